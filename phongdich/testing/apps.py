from django.apps import AppConfig


class TestingConfig(AppConfig):
    name = "phongdich.testing"
    verbose_name = "Xét nghiệm"

    def ready(self):
        from phongdich.certificates.sources import register_certificate_source
        from phongdich.healthcards.inputs import register_input_provider

        from .providers import certificate_source, status_inputs_provider

        register_input_provider("testing", status_inputs_provider)
        register_certificate_source("testing", certificate_source)
