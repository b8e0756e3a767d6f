"""Rasa's Redis lock store, made safe for several Rasa replicas, and without channel ids in Redis.

Rasa orders the messages of one conversation with a ticket lock kept in Redis. Its
RedisLockStore reads the lock, changes it in Python and writes it back. Two replicas taking a
ticket at the same instant both read the same lock, both get the same ticket and both process
their message at once; the second save then finds nothing new to store and a message the
patient was answered is missing from the conversation (6 of 40 simultaneous pairs on our
cluster; Rasa issue #9213, its fix ConcurrentRedisLockStore was reverted from Rasa Open
Source). Here every change of a lock is one Redis transaction (WATCH/MULTI/EXEC, redone when
another replica changed the lock in between).

Redis names the conversation by its pseudonym (BOT_ID_KEY), as the database does: a
channel's conversation id may be a phone number.

endpoints.yml (the keys of Rasa's RedisLockStore):

    lock_store:
      type: "conversation_store.lock_store.AtomicRedisLockStore"
      url: "redis.example"
      port: 6379
      db: 0
      password: ${REDIS_PASSWORD}
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any, TypeVar

from rasa.core.lock import TicketLock
from rasa.core.lock_store import LOCK_LIFETIME, LockError, RedisLockStore
from rasa.utils.endpoints import EndpointConfig

from .pseudonyms import load_key, pseudonym

T = TypeVar("T")


class AtomicRedisLockStore(RedisLockStore):
    def __init__(self, endpoint_config: EndpointConfig | None = None, **kwargs: Any) -> None:
        # Rasa constructs a custom lock store with its endpoint only.
        if endpoint_config is not None:
            kwargs = {
                "host": endpoint_config.url or "localhost",
                **endpoint_config.kwargs,
                **kwargs,
            }
        super().__init__(**kwargs)
        self.id_key = load_key()

    def _key(self, conversation_id: str) -> str:
        return self.key_prefix + pseudonym(conversation_id, self.id_key)

    def _decode(self, conversation_id: str, raw: bytes | None) -> TicketLock | None:
        if not raw:
            return None
        lock = TicketLock.from_dict(json.loads(raw))
        lock.conversation_id = conversation_id  # Redis holds the pseudonym
        return lock

    def _encode(self, lock: TicketLock) -> str:
        tickets = [ticket.dumps() for ticket in lock.tickets]
        stored_id = pseudonym(lock.conversation_id, self.id_key)
        return json.dumps({"conversation_id": stored_id, "tickets": tickets})

    def get_lock(self, conversation_id: str) -> TicketLock | None:
        return self._decode(conversation_id, self.red.get(self._key(conversation_id)))

    def delete_lock(self, conversation_id: str) -> None:
        self._log_deletion(conversation_id, bool(self.red.delete(self._key(conversation_id))))

    def save_lock(self, lock: TicketLock) -> None:
        self.red.set(self._key(lock.conversation_id), self._encode(lock))

    def _change(
        self,
        conversation_id: str,
        change: Callable[[TicketLock | None], tuple[T, TicketLock | None]],
    ) -> T:
        """Apply `change` (old lock -> result, new lock) as one transaction; a lock left
        without tickets is deleted, as Rasa's cleanup does."""
        key = self._key(conversation_id)

        def transaction(pipe: Any) -> T:
            result, lock = change(self._decode(conversation_id, pipe.get(key)))
            pipe.multi()
            if lock is None or not lock.tickets:
                pipe.delete(key)
            else:
                pipe.set(key, self._encode(lock))
            return result

        return self.red.transaction(transaction, key, value_from_callable=True)

    def issue_ticket(self, conversation_id: str, lock_lifetime: float = LOCK_LIFETIME) -> int:
        def issue(lock: TicketLock | None) -> tuple[int, TicketLock]:
            lock = lock or self.create_lock(conversation_id)
            return lock.issue_ticket(lock_lifetime), lock

        try:
            return self._change(conversation_id, issue)
        except Exception as error:
            raise LockError(f"Error while acquiring lock. Error:\n{error}") from error

    def update_lock(self, conversation_id: str) -> None:
        def expire(lock: TicketLock | None) -> tuple[None, TicketLock | None]:
            if lock is not None:
                lock.remove_expired_tickets()
            return None, lock

        self._change(conversation_id, expire)

    def finish_serving(self, conversation_id: str, ticket_number: int) -> None:
        def finish(lock: TicketLock | None) -> tuple[None, TicketLock | None]:
            if lock is not None:
                lock.remove_ticket_for(ticket_number)
            return None, lock

        self._change(conversation_id, finish)

    def cleanup(self, conversation_id: str, ticket_number: int) -> None:
        # Rasa's cleanup reads the lock again to delete it when nobody waits; `_change`
        # already deletes a lock without tickets, in the same transaction.
        self.finish_serving(conversation_id, ticket_number)
