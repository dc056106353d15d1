"""Phòng Dịch: an open platform for a province's epidemic response."""

from .config.celery import app as celery_app

__all__ = ["celery_app"]
