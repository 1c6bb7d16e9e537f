"""A real OpenID Connect provider for the tests, built on Authlib's AuthorizationServer
(authorization code flow with PKCE and nonce, RS256 ID tokens signed with a key made at start,
discovery and JWKS), run as its own process on a port of the loopback address:

    python tests/oidc_provider.py --port 8123 --client-id casework --client-secret s3cret \
        --redirect-uri http://testserver/accounts/oidc/callback

Its sign-in page lets the test (or the person in the browser) say who signs in: the subject,
the groups claim, the `amr` values, and, to test the relying party's checks, a `quirk` that
makes the provider misbehave on purpose: `wrong_audience` (the ID token names another client),
`foreign_key` (signed with a key that is not in the JWKS), `wrong_nonce` (the nonce of
another sign-in) or `expired` (its exp an hour ago).
"""

from __future__ import annotations

import argparse
import os
import secrets
import time
from dataclasses import dataclass, field

from authlib.integrations.flask_oauth2 import AuthorizationServer
from authlib.oauth2.rfc6749 import grants
from authlib.oauth2.rfc7636 import CodeChallenge
from authlib.oidc.core import UserInfo
from authlib.oidc.core.grants import OpenIDCode
from flask import Flask, jsonify, request
from joserfc.jwk import RSAKey

QUIRKS = ("", "wrong_audience", "foreign_key", "wrong_nonce", "expired")


@dataclass
class Client:
    client_id: str
    client_secret: str
    redirect_uri: str

    def get_client_id(self) -> str:
        return self.client_id

    def get_default_redirect_uri(self) -> str:
        return self.redirect_uri

    def get_allowed_scope(self, scope: str) -> str:
        return " ".join(s for s in scope.split() if s in {"openid", "profile", "email"})

    def check_redirect_uri(self, redirect_uri: str) -> bool:
        return redirect_uri == self.redirect_uri

    def check_client_secret(self, client_secret: str) -> bool:
        return secrets.compare_digest(client_secret, self.client_secret)

    def check_endpoint_auth_method(self, method: str, endpoint: str) -> bool:
        return method in {"client_secret_basic", "client_secret_post"}

    def check_response_type(self, response_type: str) -> bool:
        return response_type == "code"

    def check_grant_type(self, grant_type: str) -> bool:
        return grant_type == "authorization_code"


@dataclass
class Person:
    sub: str
    groups: list[str]
    amr: list[str]
    quirk: str = ""


@dataclass
class Code:
    code: str
    client_id: str
    redirect_uri: str
    scope: str
    nonce: str | None
    code_challenge: str | None
    code_challenge_method: str | None
    user: Person
    auth_time: int = field(default_factory=lambda: int(time.time()))

    def get_redirect_uri(self) -> str:
        return self.redirect_uri

    def get_scope(self) -> str:
        return self.scope

    def get_nonce(self) -> str | None:
        return self.nonce

    def get_auth_time(self) -> int:
        return self.auth_time

    def get_acr(self) -> None:
        return None

    def get_amr(self) -> list[str] | None:
        return self.user.amr or None


SIGN_IN_PAGE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Test identity provider</title></head>
<body><main><h1>Test identity provider</h1>
<form method="post">
<label for="sub">Subject</label> <input id="sub" name="sub" value="alice">
<label for="groups">Groups (comma-separated)</label>
<input id="groups" name="groups" value="t&amp;s">
<label for="amr">amr (comma-separated)</label> <input id="amr" name="amr" value="pwd">
<label for="quirk">Quirk</label> <input id="quirk" name="quirk" value="">
<button type="submit">Sign in at the provider</button>
</form></main></body></html>
"""


def create_app(issuer: str, client: Client) -> Flask:
    key = RSAKey.generate_key(2048, parameters={"kid": "test-key", "use": "sig", "alg": "RS256"})
    foreign_key = RSAKey.generate_key(
        2048, parameters={"kid": "test-key", "use": "sig", "alg": "RS256"}
    )
    codes: dict[str, Code] = {}

    class IdToken(OpenIDCode):
        def resolve_client_private_key(self, client):
            return self._signing_key

        def get_client_claims(self, client):
            return {"iss": issuer, "aud": [client.get_client_id()]}

        def exists_nonce(self, nonce, request):
            return any(code.nonce == nonce for code in codes.values())

        def generate_user_info(self, user: Person, scope: str) -> UserInfo:
            return UserInfo(sub=user.sub, name=user.sub.title(), groups=user.groups)

        def get_compatible_claims(self, request):
            claims = super().get_compatible_claims(request)
            quirk = request.authorization_code.user.quirk
            if quirk == "wrong_audience":
                claims["aud"] = ["some-other-client"]
            elif quirk == "expired":
                claims["iat"], claims["exp"] = claims["iat"] - 7200, claims["iat"] - 3600
            return claims

        def get_authorization_code_claims(self, authorization_code):
            claims = super().get_authorization_code_claims(authorization_code)
            if authorization_code.user.quirk == "wrong_nonce":
                claims["nonce"] = "a-nonce-from-another-sign-in"
            return claims

        def encode_id_token(self, token, request):
            foreign = request.authorization_code.user.quirk == "foreign_key"
            self._signing_key = foreign_key if foreign else key
            return super().encode_id_token(token, request)

    class CodeGrant(grants.AuthorizationCodeGrant):
        TOKEN_ENDPOINT_AUTH_METHODS = ["client_secret_basic", "client_secret_post"]

        def save_authorization_code(self, code: str, request) -> None:
            payload = request.payload
            codes[code] = Code(
                code=code,
                client_id=request.client.client_id,
                redirect_uri=payload.redirect_uri,
                scope=payload.scope,
                nonce=payload.data.get("nonce"),
                code_challenge=payload.data.get("code_challenge"),
                code_challenge_method=payload.data.get("code_challenge_method"),
                user=request.user,
            )

        def query_authorization_code(self, code: str, client) -> Code | None:
            found = codes.get(code)
            return found if found and found.client_id == client.client_id else None

        def delete_authorization_code(self, authorization_code: Code) -> None:
            codes.pop(authorization_code.code, None)

        def authenticate_user(self, authorization_code: Code) -> Person:
            return authorization_code.user

    app = Flask(__name__)
    server = AuthorizationServer(
        app,
        query_client=lambda client_id: client if client_id == client.client_id else None,
        save_token=lambda token, request: None,
    )
    server.register_grant(CodeGrant, [IdToken(require_nonce=True), CodeChallenge(required=True)])

    @app.get("/.well-known/openid-configuration")
    def discovery():
        return jsonify(
            issuer=issuer,
            authorization_endpoint=f"{issuer}/authorize",
            token_endpoint=f"{issuer}/token",
            jwks_uri=f"{issuer}/jwks",
            response_types_supported=["code"],
            subject_types_supported=["public"],
            id_token_signing_alg_values_supported=["RS256"],
            code_challenge_methods_supported=["S256"],
            token_endpoint_auth_methods_supported=["client_secret_basic", "client_secret_post"],
            scopes_supported=["openid", "profile", "email"],
        )

    @app.get("/jwks")
    def jwks():
        return jsonify(keys=[key.as_dict(private=False)])

    @app.route("/authorize", methods=["GET", "POST"])
    def authorize():
        # This provider insists on PKCE, so a relying party that forgets it fails the tests.
        if request.values.get("code_challenge_method") != "S256":
            return "code_challenge with S256 is required", 400
        if request.method == "GET":
            server.get_consent_grant(end_user=None)  # raises on a bad request
            # The form posts back to this same URL: the request stays in its query string.
            return SIGN_IN_PAGE
        quirk = request.form.get("quirk", "")
        if quirk not in QUIRKS:
            return f"quirk must be one of {QUIRKS}", 400
        person = Person(
            sub=request.form["sub"],
            groups=_listed(request.form.get("groups", "")),
            amr=_listed(request.form.get("amr", "")),
            quirk=quirk,
        )
        return server.create_authorization_response(grant_user=person)

    @app.post("/token")
    def token():
        return server.create_token_response()

    return app


def _listed(value: str) -> list[str]:
    return [item.strip() for item in value.split(",") if item.strip()]


def main() -> None:
    # Plain HTTP on the loopback address: Authlib refuses it unless told this is a test.
    os.environ["AUTHLIB_INSECURE_TRANSPORT"] = "1"
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--client-id", required=True)
    parser.add_argument("--client-secret", required=True)
    parser.add_argument("--redirect-uri", required=True)
    args = parser.parse_args()
    issuer = f"http://127.0.0.1:{args.port}"
    client = Client(args.client_id, args.client_secret, args.redirect_uri)
    create_app(issuer, client).run(host="127.0.0.1", port=args.port, threaded=False)


if __name__ == "__main__":
    main()
