import os

from casework.devrun.services import ensure_started

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "casework.settings")
ensure_started()

from casework.handlers import wsgi_application  # noqa: E402  (after the settings are chosen)

application = wsgi_application()

from casework import db_roles  # noqa: E402  (needs the settings get_wsgi_application set up)

db_roles.refuse_privileged_role()
