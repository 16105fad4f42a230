from django.db import migrations, models


class Migration(migrations.Migration):
    initial = True

    dependencies = []

    operations = [
        migrations.CreateModel(
            name="Event",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("created", models.DateTimeField(auto_now_add=True)),
                ("source", models.CharField(max_length=64)),
                ("message", models.CharField(max_length=500)),
            ],
            options={"ordering": ["-created", "-id"]},
        ),
    ]
