from django.db import models, transaction


class SavedWithFollowers(models.Model):
    """A model whose save() and delete() commit together with what follows from them: the
    receivers of diary/signals.py store the episode's reading and the clinic's version in the
    same transaction, whoever saves (a view, the admin, a shell)."""

    class Meta:
        abstract = True

    def save(self, *args, **kwargs):
        with transaction.atomic(savepoint=False):
            super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        with transaction.atomic(savepoint=False):
            return super().delete(*args, **kwargs)
