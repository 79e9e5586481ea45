"""Admin pages of the commitments area (scoped with portal.admin.ScopedAdmin)."""
