import sys, h5py, numpy as np, xarray as xr
path = sys.argv[1]
ds = xr.open_dataset(path, engine="h5netcdf")
print(ds)
print("dims:", dict(ds.sizes))
assert not any(d.startswith("phony") for d in ds.dims), "phony dimensions"
for v in ["time", "theta", "u", "density", "positions", "particle", "component"]:
    print(f"{v:10s} dims={ds[v].dims} units={ds[v].attrs.get('units')!r} long_name={ds[v].attrs.get('long_name')!r}")
print("time:", ds.time.values)
mass = (ds.density * ds.density.cell_volume).sum(("theta", "u")).values
print("mass per time - 1:", mass - 1)
b = ds.theta_bnds.values
print("theta bounds contain centres:", bool(np.all((b[:, 0] < ds.theta.values) & (ds.theta.values < b[:, 1]))))
with h5py.File(path) as f:
    print("is_scale:", {k: bool(h5py.h5ds.is_scale(f[k].id)) for k in f})
    d = f["density"]
    print("density attached:", [h5py.h5ds.is_attached(d.id, f[n].id, i) for i, n in enumerate(["time", "theta", "u"])])
