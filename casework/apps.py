from django.apps import AppConfig


class CaseworkConfig(AppConfig):
    name = "casework"
    verbose_name = "Casework"

    def ready(self) -> None:
        from casework import receivers  # noqa: F401  (connects the receivers)
        from casework.selectors import case_for_platform
        from reports.selectors import add_status_extension

        add_status_extension(case_for_platform)
