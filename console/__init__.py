"""Operations console: live workers and queues, persisted task history, dead letters, actions, RBAC, audit."""

__version__ = "0.1.0"
