"""Job leases: which worker runs a job, and until when its claim holds.

A worker that takes a job writes its name in `leased_by` and renews `lease_until` while it runs
(a heartbeat); a queued job's `lease_until` is when its message is sent again should it have been
lost. A reaper in every worker re-queues the jobs whose lease ran out, so a worker killed
mid-job never leaves its job stuck: the jobs table, not the broker, is the system of record.
Rows from before this revision have no lease, which counts as expired, so jobs left `running`
by a dead worker are picked up once the upgraded worker starts.

Revision ID: 0006_job_leases
Revises: 0005_identity
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006_job_leases"
down_revision = "0005_identity"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("jobs") as batch:
        batch.add_column(sa.Column("leased_by", sa.String(100), nullable=True))
        batch.add_column(sa.Column("lease_until", sa.DateTime(timezone=True), nullable=True))
    op.create_index("ix_jobs_state_lease", "jobs", ["state", "lease_until"])


def downgrade() -> None:
    op.drop_index("ix_jobs_state_lease", table_name="jobs")
    with op.batch_alter_table("jobs") as batch:
        batch.drop_column("lease_until")
        batch.drop_column("leased_by")
