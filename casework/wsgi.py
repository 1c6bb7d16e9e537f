import os

from django.core.wsgi import get_wsgi_application

from casework.devrun.services import ensure_started

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "casework.settings")
ensure_started()
application = get_wsgi_application()

from casework import db_roles  # noqa: E402  (needs the settings get_wsgi_application set up)

db_roles.refuse_privileged_role()
