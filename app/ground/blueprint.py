from tenants.web import station_blueprint

bp = station_blueprint("ground", __name__, url_prefix="/ground")
