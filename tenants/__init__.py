"""Tenancy: counties and their stations (the tenants), the tenant context and query scoping."""

from tenants.context import (
    TenantContextRequired,
    TenantScope,
    county_context,
    current_scope,
    current_station_id,
    station_context,
)
from tenants.models import County, Station
from tenants.scoping import CrossTenantWrite, TenantScoped, tenant_foreign_key

__all__ = [
    "County",
    "CrossTenantWrite",
    "Station",
    "TenantContextRequired",
    "TenantScope",
    "TenantScoped",
    "county_context",
    "current_scope",
    "current_station_id",
    "station_context",
    "tenant_foreign_key",
]
