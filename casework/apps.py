from django.apps import AppConfig


class CaseworkConfig(AppConfig):
    name = "casework"
    verbose_name = "Casework"

    def ready(self) -> None:
        from casework import receivers  # noqa: F401  (connects the audit receivers)
