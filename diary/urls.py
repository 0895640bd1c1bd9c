"""The diary's URLs, grouped by what they are about: the patient's own pages and each of their
episodes; the clinic's pages, each episode and each patient; the chart, for both."""

from django.urls import include, path

from diary.views import charts, clinic, enrollment, patient, reminders

patient_episode_patterns = [
    path("baseline/", patient.baseline, name="baseline"),
    path("rate/<slug:key>/", patient.rate, name="rate"),
    path("rate/<slug:key>/correct/", patient.correct, name="correct"),
    path("reminders.ics", reminders.download, name="calendar"),
    path("reminders/", reminders.settings, name="reminders"),
    path("reminders/new-link/", reminders.new_link, name="calendar_link"),
]

patient_patterns = [
    path("", patient.today, name="today"),
    path("history/", patient.history, name="history"),
    path("my-data.csv", patient.export_csv, name="export"),
    path("<uuid:episode_uuid>/", include(patient_episode_patterns)),
]

clinic_episode_patterns = [
    path("", clinic.episode, name="episode"),
    path("report.pdf", clinic.report, name="report"),
    path("ratings.csv", clinic.episode_csv, name="episode_csv"),
    path("injection-time/", enrollment.injection_time, name="injection_time"),
    path("baseline/", enrollment.baseline, name="baseline"),
]

clinic_patient_patterns = [
    path("compare/", clinic.compare, name="compare"),
    path("book/", enrollment.book, name="book"),
    path("setup/", enrollment.setup_link, name="setup_link"),
    path("setup/email/", enrollment.email_setup_link, name="setup_link_email"),
    path("setup/new/", enrollment.new_setup_link, name="setup_link_new"),
]

clinic_patterns = [
    path("", clinic.dashboard, name="dashboard"),
    path("export.csv", clinic.export, name="export"),
    path("enroll/", enrollment.enroll, name="enroll"),
    path("episodes/<uuid:episode_uuid>/", include(clinic_episode_patterns)),
    path("patients/<uuid:public_id>/", include(clinic_patient_patterns)),
]

shared_patterns = [
    path("<uuid:episode_uuid>/chart.svg", charts.episode_chart, name="chart"),
]
