from django.urls import path

from diary.views import patient

patient_patterns = [
    path("", patient.today, name="today"),
    path("history/", patient.history, name="history"),
    path("my-data.csv", patient.export_csv, name="export"),
    path("<uuid:episode_uuid>/baseline/", patient.baseline, name="baseline"),
    path("<uuid:episode_uuid>/rate/<slug:key>/", patient.rate, name="rate"),
]

clinic_patterns = []

shared_patterns = []
