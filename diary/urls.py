from django.urls import path

from diary.views import charts, clinic, enrollment, patient, reminders

patient_patterns = [
    path("", patient.today, name="today"),
    path("history/", patient.history, name="history"),
    path("my-data.csv", patient.export_csv, name="export"),
    path("<uuid:episode_uuid>/baseline/", patient.baseline, name="baseline"),
    path("<uuid:episode_uuid>/rate/<slug:key>/", patient.rate, name="rate"),
    path("<uuid:episode_uuid>/rate/<slug:key>/correct/", patient.correct, name="correct"),
    path("<uuid:episode_uuid>/reminders.ics", reminders.download, name="calendar"),
    path("<uuid:episode_uuid>/reminders/", reminders.settings, name="reminders"),
    path("<uuid:episode_uuid>/reminders/new-link/", reminders.new_link, name="calendar_link"),
]

clinic_patterns = [
    path("", clinic.dashboard, name="dashboard"),
    path("export.csv", clinic.export, name="export"),
    path("episodes/<uuid:episode_uuid>/", clinic.episode, name="episode"),
    path("episodes/<uuid:episode_uuid>/report.pdf", clinic.report, name="report"),
    path("episodes/<uuid:episode_uuid>/ratings.csv", clinic.episode_csv, name="episode_csv"),
    path("patients/<uuid:public_id>/compare/", clinic.compare, name="compare"),
    path("enroll/", enrollment.enroll, name="enroll"),
    path("patients/<uuid:public_id>/book/", enrollment.book, name="book"),
    path("patients/<uuid:public_id>/setup/", enrollment.setup_link, name="setup_link"),
    path(
        "patients/<uuid:public_id>/setup/email/",
        enrollment.email_setup_link,
        name="setup_link_email",
    ),
    path("patients/<uuid:public_id>/setup/new/", enrollment.new_setup_link, name="setup_link_new"),
    path(
        "episodes/<uuid:episode_uuid>/injection-time/",
        enrollment.injection_time,
        name="injection_time",
    ),
    path("episodes/<uuid:episode_uuid>/baseline/", enrollment.baseline, name="baseline"),
]

shared_patterns = [
    path("<uuid:episode_uuid>/chart.svg", charts.episode_chart, name="chart"),
]
