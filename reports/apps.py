from django.apps import AppConfig


class ReportsConfig(AppConfig):
    name = "reports"
    verbose_name = "Reports and evidence"

    def ready(self) -> None:
        from reports import receivers  # noqa: F401  (connects the receivers)
