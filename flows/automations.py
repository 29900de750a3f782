"""The notification automations, as code: `mvagent automations apply` creates or updates them.

`prefect deploy` can only attach run-deployment triggers to a deployment, and a notification
action needs the id of a Block saved on that very server, so these two are applied by a
command instead (run it after `prefect deploy --all`; running it again changes nothing but
the Block it points at):

- `mvagent: video finished`: every `mvagent.video.completed` / `mvagent.video.failed`
  event (tasks/video_result.py) becomes a message with title, state, cost, video link and
  run link.
- `mvagent: quota low`: every `mvagent.quota.low` event (tasks/quota.py) becomes a message
  with the service, what is left, the threshold and why.

The messages are built from the events' payloads only, which carry no secrets.
"""

from __future__ import annotations

from typing import Any
from uuid import UUID

VIDEO = "mvagent: video finished"
QUOTA = "mvagent: quota low"

VIDEO_SUBJECT = "Music video {{ event.payload.state }}: {{ event.payload.title }}"
VIDEO_BODY = (
    "{{ event.payload.title }}: {{ event.payload.state }}\n"
    "cost: {{ event.payload.cost }}\n"
    "{% if event.payload.link %}video: {{ event.payload.link }}\n{% endif %}"
    "{% if event.payload.run_url %}run: {{ event.payload.run_url }}\n{% endif %}"
    "{% if event.payload.message %}why: {{ event.payload.message }}\n{% endif %}"
)
QUOTA_SUBJECT = "Quota low: {{ event.payload.service }}"
QUOTA_BODY = (
    "{{ event.payload.service }}: {{ event.payload.remaining }} {{ event.payload.unit }} left "
    "(threshold {{ event.payload.threshold }})\n"
    "{{ event.payload.reason }}\n"
    "{% if event.payload.message %}{{ event.payload.message }}\n{% endif %}"
)


def definitions(block_document_id: UUID) -> list[Any]:
    """The two automations, sending through the NotificationBlock `block_document_id`."""
    from prefect.events.actions import SendNotification
    from prefect.events.schemas.automations import AutomationCore, EventTrigger

    def notify(subject: str, body: str) -> SendNotification:
        return SendNotification(block_document_id=block_document_id, subject=subject, body=body)

    return [
        AutomationCore(
            name=VIDEO,
            description="A music-video run finished (completed or failed): tell the webhook.",
            trigger=EventTrigger(
                match={"prefect.resource.id": "mvagent.video.*"},
                expect={"mvagent.video.completed", "mvagent.video.failed"},
            ),
            actions=[notify(VIDEO_SUBJECT, VIDEO_BODY)],
            tags=["mvagent"],
        ),
        AutomationCore(
            name=QUOTA,
            description="Suno credits or a provider's quota ran low, or a provider answered "
            "a quota error: tell the webhook.",
            trigger=EventTrigger(
                match={"prefect.resource.id": "mvagent.quota.*"},
                expect={"mvagent.quota.low"},
            ),
            actions=[notify(QUOTA_SUBJECT, QUOTA_BODY)],
            tags=["mvagent"],
        ),
    ]


def apply_automations(block_document_id: UUID) -> list[str]:
    """Create the automations, or update those of the same name; returns what was done."""
    from prefect.client.orchestration import get_client
    from prefect.events.schemas.automations import AutomationCore

    done = []
    with get_client(sync_client=True) as client:
        for automation in definitions(block_document_id):
            existing = client.read_automations_by_name(automation.name)
            if existing:
                # Every field marked as set (the client sends only set fields, and the API
                # refuses a trigger without its default posture), except owner_resource,
                # which the update endpoint refuses outright.
                fields = set(AutomationCore.model_fields) - {"owner_resource"}
                full = AutomationCore.model_validate(automation.model_dump(include=fields))
                client.update_automation(existing[0].id, full)
                for extra in existing[1:]:  # left by hand or by an older version: one is enough
                    client.delete_automation(extra.id)
                done.append(f"updated {automation.name!r}")
            else:
                client.create_automation(automation)
                done.append(f"created {automation.name!r}")
    return done
