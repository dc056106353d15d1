"""Mounted under /bench/ only when BENCH_ENDPOINTS=1 (see config/urls.py and docs/benchmarks.md)."""

from django.urls import path

from . import bench_views

urlpatterns = [
    path("bare", bench_views.bare, name="bench-bare"),
    path("raw_insert", bench_views.raw_insert, name="bench-raw-insert"),
]
