"""Admin pages of the documents area (scoped with portal.admin.ScopedAdmin)."""
