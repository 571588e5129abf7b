"""Routing's pages: the admin pages (admin.py, under /manage/routing/) and the agent's routing
controls in the inbox (agent.py, under /inbox/)."""
