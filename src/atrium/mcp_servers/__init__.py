"""Tenants' MCP servers: registered by admins, their tools offered to runs, namespaced by
server, through the official `mcp` SDK."""
