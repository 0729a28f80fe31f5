#!/bin/sh
# Installs the `lab` command from this repository: builds it once (Release, framework-dependent, showing the build's
# progress) into a folder of its own and puts a `lab` launcher on the PATH, so that every call starts the built program
# at once instead of `dotnet run` checking the build first (about 4 s a call). Run it again after pulling changes.
#
#   build/install-lab.sh                 # as root: /opt/lab and /usr/local/bin/lab; else ~/.local/share/lab-cli and ~/.local/bin/lab
#   LAB_INSTALL_DIR=... LAB_BIN_DIR=... build/install-lab.sh
set -eu

repo=$(cd "$(dirname "$0")/.." && pwd)
if [ "$(id -u)" = 0 ]; then
    prefix=${LAB_INSTALL_DIR:-/opt/lab}
    bin=${LAB_BIN_DIR:-/usr/local/bin}
else
    prefix=${LAB_INSTALL_DIR:-$HOME/.local/share/lab-cli}
    bin=${LAB_BIN_DIR:-$HOME/.local/bin}
fi
dotnet=$(command -v dotnet) || { echo "The .NET 10 SDK is needed to build lab: https://dot.net" >&2; exit 2; }
dotnet_root=${DOTNET_ROOT:-$(dirname "$(readlink -f "$dotnet")")}

echo "Building the lab command into $prefix (the first build takes a few minutes; each project is listed as it is built)..."
"$dotnet" publish "$repo/apps/Lab.Cli/Lab.Cli.csproj" -c Release -o "$prefix" -nologo -v minimal

mkdir -p "$bin"
launcher="$bin/lab"
# The program finds its runtime where this SDK's is (DOTNET_ROOT), wherever it was installed.
cat > "$launcher.new" <<LAUNCHER
#!/bin/sh
DOTNET_ROOT="\${DOTNET_ROOT:-$dotnet_root}" exec "$prefix/lab" "\$@"
LAUNCHER
chmod 755 "$launcher.new"
mv -f "$launcher.new" "$launcher"

echo "Installed: $launcher"
case ":$PATH:" in
    *":$bin:"*) ;;
    *) echo "Add $bin to your PATH to call it as 'lab' (e.g. export PATH=\"$bin:\$PATH\" in ~/.profile)." ;;
esac
echo "Try: lab --help, then lab up"
