"""Law-enforcement evidence packages: a case exported as one signed zip.

build.py writes the zip (the evidence decrypted, the documents sent, manifest.json and its
Ed25519 signature manifest.sig); manifest.py gathers what the manifest says; excerpt.py is
the case's audit excerpt with its chain hashes; verify.py checks a package and names what
fails; keys.py is the signing key and its public half.
"""
