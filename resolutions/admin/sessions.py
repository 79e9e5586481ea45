"""Admin pages of the sessions area (scoped with portal.admin.ScopedAdmin)."""
