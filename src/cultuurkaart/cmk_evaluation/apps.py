from django.apps import AppConfig


class CmkEvaluationConfig(AppConfig):
    name = "cultuurkaart.cmk_evaluation"
    label = "cmk_evaluation"
    verbose_name = "CmK evaluation, budget and funder report"

    def ready(self) -> None:
        from . import permissions  # noqa: F401  (registers this domain's permission table)
