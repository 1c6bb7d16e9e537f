from django.contrib import admin
from django.urls import path

from casework import views
from reports.intake_api import api

urlpatterns = [
    path("", views.home, name="home"),
    path("healthz", views.healthz, name="healthz"),
    path("media/<int:media_id>/preview", views.media_preview, name="media-preview"),
    path("admin/", admin.site.urls),
    path("api/v1/", api.urls),
]
