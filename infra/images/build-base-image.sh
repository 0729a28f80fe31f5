#!/usr/bin/env bash
# Builds the base image for Lab's service images from Debian packages and the .NET runtime of this machine's
# SDK, and serves it from a registry on 127.0.0.1, for machines that cannot pull mcr.microsoft.com/dotnet/aspnet
# (no internet, only a Debian mirror). `dotnet publish -t:PublishContainer` then builds on it:
#
#   infra/images/build-base-image.sh            # prints the publish command to use
#
# The image: Debian 12 (debootstrap --variant=minbase) with libicu, libssl, ca-certificates, tzdata, libstdc++
# and libgcc (libtorch needs those two; it brings its own OpenMP), the ASP.NET Core and .NET runtimes copied from
# the SDK install, and the non-root user app (1654) that .NET's own images have. One image serves all four
# services; the worker's libtorch comes with the worker's publish output.
#
# Needs root (debootstrap) and: apt-get install debootstrap umoci skopeo docker-registry
# Settings: LAB_REGISTRY_PORT (5000), LAB_IMAGE_WORK (/var/tmp/lab-images), DEBIAN_MIRROR (deb.debian.org).
set -euo pipefail

port=${LAB_REGISTRY_PORT:-5000}
work=${LAB_IMAGE_WORK:-/var/tmp/lab-images}
mirror=${DEBIAN_MIRROR:-http://deb.debian.org/debian}
registry=127.0.0.1:$port
image=lab/dotnet-base
tag=10
app_uid=1654

for tool in debootstrap umoci skopeo docker-registry dotnet; do
  command -v "$tool" >/dev/null || { echo "missing: $tool (apt-get install debootstrap umoci skopeo docker-registry)" >&2; exit 2; }
done
[ "$(id -u)" = 0 ] || { echo "debootstrap needs root" >&2; exit 2; }

# The newest ASP.NET Core runtime of the SDK install, and the .NET runtime of the same version.
read -r aspnet_version dotnet_root < <(dotnet --list-runtimes | awk '$1 == "Microsoft.AspNetCore.App" { v = $2; p = $3 } END { print v, p }' | tr -d '[]')
dotnet_root=$(dirname "$(dirname "$dotnet_root")")
[ -d "$dotnet_root/shared/Microsoft.NETCore.App/$aspnet_version" ] || { echo "no .NET runtime $aspnet_version in $dotnet_root" >&2; exit 2; }
echo "runtime: ASP.NET Core and .NET $aspnet_version from $dotnet_root"

mkdir -p "$work"

# 1. A registry on loopback (Debian's docker-registry), unless one already answers there.
if ! curl -fsS "http://$registry/v2/" >/dev/null 2>&1; then
  cat > "$work/registry.yml" <<YAML
version: 0.1
storage:
  filesystem:
    rootdirectory: $work/registry
http:
  addr: $registry
YAML
  nohup docker-registry serve "$work/registry.yml" > "$work/registry.log" 2>&1 &
  echo $! > "$work/registry.pid"
  for _ in $(seq 50); do curl -fsS "http://$registry/v2/" >/dev/null 2>&1 && break; sleep 0.2; done
  curl -fsS "http://$registry/v2/" >/dev/null || { echo "the registry did not start; see $work/registry.log" >&2; exit 1; }
  echo "registry: http://$registry (pid $(cat "$work/registry.pid"), data in $work/registry)"
fi

# 2. The root filesystem.
rootfs=$work/rootfs
rm -rf "$rootfs"
debootstrap --variant=minbase --include=libicu72,libssl3,ca-certificates,tzdata,libstdc++6,libgcc-s1 bookworm "$rootfs" "$mirror"
mkdir -p "$rootfs/usr/share/dotnet/shared"
cp -a "$dotnet_root/dotnet" "$dotnet_root/host" "$dotnet_root/LICENSE.txt" "$rootfs/usr/share/dotnet/"
for framework in Microsoft.NETCore.App Microsoft.AspNetCore.App; do
  mkdir -p "$rootfs/usr/share/dotnet/shared/$framework"
  cp -a "$dotnet_root/shared/$framework/$aspnet_version" "$rootfs/usr/share/dotnet/shared/$framework/"
done
ln -sf /usr/share/dotnet/dotnet "$rootfs/usr/bin/dotnet"
echo "app:x:$app_uid:$app_uid::/home/app:/usr/sbin/nologin" >> "$rootfs/etc/passwd"
echo "app:x:$app_uid:" >> "$rootfs/etc/group"
echo "app:!:20000::::::" >> "$rootfs/etc/shadow"
install -d -o "$app_uid" -g "$app_uid" -m 0750 "$rootfs/home/app"
install -d -m 0755 "$rootfs/app"
rm -rf "$rootfs"/var/cache/apt/archives/*.deb "$rootfs"/var/lib/apt/lists/* "$rootfs"/var/log/* "$rootfs"/tmp/*

# 3. An OCI image of it, configured like .NET's images (the SDK reads APP_UID for the user and
#    ASPNETCORE_HTTP_PORTS for the port), pushed to the registry.
layout=$work/oci
rm -rf "$layout" "$work/bundle"
umoci init --layout "$layout"
umoci new --image "$layout:$tag"
umoci unpack --image "$layout:$tag" "$work/bundle"
rm -rf "$work/bundle/rootfs"
mv "$rootfs" "$work/bundle/rootfs"
umoci repack --image "$layout:$tag" "$work/bundle"
umoci config --image "$layout:$tag" --os linux --architecture amd64 \
  --config.user "$app_uid" --config.workingdir /app \
  --config.env "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin" \
  --config.env "APP_UID=$app_uid" \
  --config.env "ASPNETCORE_HTTP_PORTS=8080" \
  --config.env "DOTNET_ROOT=/usr/share/dotnet" \
  --config.env "DOTNET_RUNNING_IN_CONTAINER=true" \
  --config.env "DOTNET_VERSION=$aspnet_version" \
  --config.env "ASPNET_VERSION=$aspnet_version"
umoci gc --layout "$layout"
rm -rf "$work/bundle"
skopeo copy --dest-tls-verify=false "oci:$layout:$tag" "docker://$registry/$image:$tag"

cat <<DONE
base image: $registry/$image:$tag
publish a service on it, e.g.:
  DOTNET_CONTAINER_INSECURE_REGISTRIES=$registry dotnet publish services/Lab.Api -c Release -r linux-x64 \\
    -t:PublishContainer -p:ContainerBaseImage=$registry/$image:$tag -p:ContainerImageTag=dev \\
    -p:ContainerArchiveOutputPath=artifacts/images/api.tar.gz
DONE
