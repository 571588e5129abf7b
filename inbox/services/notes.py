"""Internal notes in the thread: the team sees them, the customer never does."""

from inbox.models import Conversation, Direction, Message, MessageStatus

NOTE_MAX = 4096


def write_note(
    conversation: Conversation, *, author, text: str, kind: str = "note", addressee_id=None
) -> Message:
    """Composed inside the caller's transaction: a note, a whisper (to its `addressee`), or a
    transfer's note."""
    return Message.objects.create(
        tenant_id=conversation.tenant_id,
        conversation=conversation,
        channel_id=conversation.channel_id,
        direction=Direction.OUTBOUND,
        kind=kind,
        text=text[:NOTE_MAX],
        is_internal_note=True,
        status=MessageStatus.RECEIVED,
        author=author,
        addressee_id=addressee_id,
    )
