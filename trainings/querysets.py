"""QuerySets of trainings; each starts from the access policy."""

from django.db import models

from ctportal import access


class TrainingSessionQuerySet(models.QuerySet):
    def visible_to(self, user):
        return access.scope_by_project(self, user, "project")


class AttendanceQuerySet(models.QuerySet):
    def visible_to(self, user):
        return access.scope_by_project(self, user, "session__project")


class ParticipantCountQuerySet(AttendanceQuerySet):
    pass


class PersonQuerySet(models.QuerySet):
    def visible_to(self, user):
        """People who attended at least one session the user may see."""
        from .models import Attendance

        sessions = Attendance.objects.visible_to(user).values("person_id")
        return self.filter(pk__in=sessions)


class SessionDocumentQuerySet(AttendanceQuerySet):
    def visible_to(self, user):
        """In scope; attendance sheets name trainees, so only for those who see names."""
        documents = super().visible_to(user)
        if not access.sees_participant_names(user):
            documents = documents.exclude(kind="attendance_sheet")
        return documents
