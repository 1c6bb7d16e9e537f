# Written for the metrics page (casework/stats): its figures select cases, decisions,
# approvals and returns by time, which without these reads every row of the tables.

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("casework", "0013_sealed_escalation_documents"),
    ]

    operations = [
        migrations.AddIndex(
            model_name="case",
            index=models.Index(fields=["created_at"], name="case_created_idx"),
        ),
        migrations.AddIndex(
            model_name="case",
            index=models.Index(fields=["deadline_at"], name="case_deadline_idx"),
        ),
        migrations.AddIndex(
            model_name="decision",
            index=models.Index(fields=["decided_at"], name="decision_decided_idx"),
        ),
        migrations.AddIndex(
            model_name="decision",
            index=models.Index(
                condition=models.Q(("approved_at__isnull", False)),
                fields=["approved_at"],
                name="decision_approved_idx",
            ),
        ),
        migrations.AddIndex(
            model_name="decision",
            index=models.Index(
                condition=models.Q(("returned_at__isnull", False)),
                fields=["returned_at"],
                name="decision_returned_idx",
            ),
        ),
    ]
