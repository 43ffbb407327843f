from tenants.web import station_blueprint

bp = station_blueprint("station", __name__)
