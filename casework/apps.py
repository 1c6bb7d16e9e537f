from django.apps import AppConfig


class CaseworkConfig(AppConfig):
    name = "casework"
    verbose_name = "Casework"

    def ready(self) -> None:
        # Tasks queued from this process go through the configured Celery app.
        from casework import celery  # noqa: F401
        from casework.audit import receivers as audit_receivers  # noqa: F401  (connects them)
        from casework.cases import receivers as case_receivers  # noqa: F401
        from casework.cases.filing import case_for_platform
        from reports.api import add_status_extension

        add_status_extension(case_for_platform)
