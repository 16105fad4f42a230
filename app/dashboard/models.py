"""Models."""

from django.db import models


class Event(models.Model):
    """Something that happened to the application (a migration, a deployment...)."""

    created = models.DateTimeField(auto_now_add=True)
    source = models.CharField(max_length=64)
    message = models.CharField(max_length=500)

    class Meta:
        ordering = ["-created", "-id"]

    def __str__(self) -> str:
        return f"{self.created:%Y-%m-%d %H:%M} {self.source}: {self.message}"
