#!/usr/bin/env bash
# Builds the tiny test guest of test/interop/qemu-harness.ts: Debian's cloud
# kernel plus an initramfs of busybox-static, booted by QEMU with
# `-kernel vmlinuz -initrd initrd.gz -append console=ttyS0`. It reaches a
# `tsvirt# ` shell prompt on ttyS0 in a few seconds under TCG, powers off on
# the ACPI power button, and echoes on virtio-serial ports named
# org.tsvirt.echo*. Nothing is installed on the host: the two packages are
# fetched with `apt-get download` and unpacked with `dpkg -x`.
#
#   scripts/build-test-guest.sh            build if needed, print the guest dir
#   scripts/build-test-guest.sh --force    rebuild (the .debs are reused)
#
# The guest dir is $TSVIRT_GUEST_CACHE (default /var/cache/tsvirt-guest)
# /guest-<kernel pkg>_<version>+busybox_<version>+r<recipe>, holding
# `vmlinuz`, `initrd.gz` and `manifest` (versions, module load order). It is
# keyed by the package versions the mirror offers now (the metapackage
# linux-image-cloud-amd64 names the current kernel ABI, so a Debian security
# update gives a new key) and by RECIPE below, so a second run only prints
# the dir (`resolved` keeps apt-cache's answer while the package lists stay
# unchanged, since one apt-cache call costs seconds). Guests of older
# versions are removed. `latest` points at the last guest built; it
# is used when apt cannot name the versions at all (no package lists, no
# network). Files are world-readable and dirs world-executable: QEMU runs as
# libvirt-qemu under a system libvirtd.
#
# The only output on stdout is the guest dir; progress goes to stderr.
set -euo pipefail

# Bump when the recipe below changes what ends up in the initramfs.
RECIPE=1
# Top-level modules (the kernel .deb ships them uncompressed and without
# modules.dep); their dependencies are read from each .ko's .modinfo
# `depends=` and loaded first. The cloud kernel builds in the 8250 serial
# console, devtmpfs, ext4, the AT keyboard and virtio_pci's legacy part; the
# virtio drivers, the ACPI button, evdev and pvpanic are modules.
MODULES=(virtio_pci virtio_console virtio_net virtio_blk virtio_balloon virtio_rng button evdev pvpanic_mmio)

ROOT=${TSVIRT_GUEST_CACHE:-/var/cache/tsvirt-guest}
FORCE=0
for a in "$@"; do
  case "$a" in
    --force) FORCE=1 ;;
    -h|--help) sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
    *) echo "build-test-guest: unknown argument '$a'" >&2; exit 2 ;;
  esac
done

log() { echo "build-test-guest: $*" >&2; }
die() { log "$*"; exit 1; }

SUDO=""
[ "$(id -u)" = 0 ] || SUDO="sudo"

umask 022
mkdir -p "$ROOT"
chmod 755 "$ROOT" 2>/dev/null || true

# ---- which packages -------------------------------------------------------

# One apt-cache call (each reads all package lists: seconds on a busy host).
# The metapackage pins its kernel with `Depends: linux-image-ABI-cloud-amd64
# (= VERSION)`.
resolve() {
  local out
  out=$(apt-cache show --no-all-versions linux-image-cloud-amd64 busybox-static 2>/dev/null) || return 1
  eval "$(awk '
    /^Package: / { pkg = $2 }
    /^Version: / { if (pkg == "busybox-static") printf "BVER=%s\n", $2 }
    /^Depends: / && pkg == "linux-image-cloud-amd64" {
      if (match($0, /linux-image-[^ ,]*-cloud-amd64 \(= [^)]*\)/)) {
        split(substr($0, RSTART, RLENGTH), a, " ")
        sub(/\)$/, "", a[3])
        printf "KPKG=%s\nKVER=%s\n", a[1], a[3]
      }
    }' <<<"$out")"
  [ -n "${KPKG:-}" ] && [ -n "${KVER:-}" ] && [ -n "${BVER:-}" ]
}

apt_update() {
  log "apt-get update (package lists missing or stale)"
  $SUDO apt-get update -qq >&2
}

# What the package lists looked like when the versions were last resolved:
# while they are unchanged, so is the answer, and apt-cache is not asked.
lists_stamp() {
  stat -c '%n %s %Y' /var/lib/apt/lists/*Packages* 2>/dev/null | cksum
}
stamp=$(lists_stamp)
KPKG="" KVER="" BVER=""
if [ "$FORCE" = 0 ] && [ -f "$ROOT/resolved" ] && [ "$(head -n1 "$ROOT/resolved")" = "$stamp" ]; then
  eval "$(tail -n +2 "$ROOT/resolved")"
fi
if [ -z "$KPKG" ]; then
  if resolve; then :
  elif apt_update && resolve; then stamp=$(lists_stamp)
  elif [ -e "$ROOT/latest/initrd.gz" ] && [ "$FORCE" = 0 ]; then
    log "apt cannot name the packages; using the last guest built, $(readlink "$ROOT/latest")"
    readlink -f "$ROOT/latest"
    exit 0
  else
    die "cannot resolve linux-image-cloud-amd64 / busybox-static with apt-cache"
  fi
  printf '%s\nKPKG=%q\nKVER=%q\nBVER=%q\n' "$stamp" "$KPKG" "$KVER" "$BVER" > "$ROOT/resolved.tmp"
  mv "$ROOT/resolved.tmp" "$ROOT/resolved"
fi

# Debian versions may hold ':' (epochs), not welcome in a path.
key="guest-${KPKG}_${KVER}+busybox_${BVER}+r${RECIPE}"
key=${key//:/_}
OUT="$ROOT/$key"

if [ "$FORCE" = 0 ] && [ -f "$OUT/initrd.gz" ] && [ -f "$OUT/vmlinuz" ]; then
  echo "$OUT"
  exit 0
fi

# One builder at a time (test files run in parallel processes).
exec 9>"$ROOT/.lock"
flock 9
if [ "$FORCE" = 0 ] && [ -f "$OUT/initrd.gz" ] && [ -f "$OUT/vmlinuz" ]; then
  echo "$OUT"
  exit 0
fi

start=$(date +%s.%N)
WORK=$(mktemp -d "$ROOT/.build.XXXXXX")
chmod 755 "$WORK"
trap 'rm -rf "$WORK"' EXIT

# ---- fetch ----------------------------------------------------------------

DEBS="$ROOT/debs"
mkdir -p "$DEBS"

fetch() { # PKG VER -> path of the .deb in $DEBS
  local pkg=$1 ver=$2 f
  f=$(find "$DEBS" -maxdepth 1 -name "${pkg}_*.deb" -print | while read -r d; do
    [ "$(dpkg-deb -f "$d" Version)" = "$ver" ] && echo "$d"; done | head -n1)
  if [ -z "$f" ]; then
    log "apt-get download $pkg=$ver"
    local dl="$WORK/dl"
    mkdir -p "$dl"
    # apt drops privileges to _apt for downloads when it can write here.
    chown _apt "$dl" 2>/dev/null || true
    if ! (cd "$dl" && apt-get download -q "$pkg=$ver" >&2); then
      # The lists may name a version the mirror no longer has.
      apt_update
      (cd "$dl" && apt-get download -q "$pkg=$ver" >&2) || die "apt-get download $pkg=$ver failed"
    fi
    f=$(find "$dl" -maxdepth 1 -name "${pkg}_*.deb" -print | head -n1)
    [ -n "$f" ] || die "apt-get download $pkg=$ver left no .deb"
    # Older versions of the same package are of no further use.
    find "$DEBS" -maxdepth 1 -name "${pkg}_*.deb" -delete
    mv "$f" "$DEBS/"
    f="$DEBS/$(basename "$f")"
  fi
  echo "$f"
}

KDEB=$(fetch "$KPKG" "$KVER")
BDEB=$(fetch busybox-static "$BVER")

# ---- unpack ---------------------------------------------------------------

log "unpacking $(basename "$KDEB") and $(basename "$BDEB")"
dpkg -x "$KDEB" "$WORK/kernel"
dpkg -x "$BDEB" "$WORK/busybox"
BUSYBOX="$WORK/busybox/bin/busybox"
[ -x "$BUSYBOX" ] || die "no bin/busybox in $BDEB"
vmlinuz=$(find "$WORK/kernel/boot" -maxdepth 1 -name 'vmlinuz-*' | head -n1)
[ -n "$vmlinuz" ] || die "no boot/vmlinuz-* in $KDEB"
kabi=${vmlinuz##*/vmlinuz-}
moddir="$WORK/kernel/lib/modules/$kabi"
[ -d "$moddir" ] || die "no lib/modules/$kabi in $KDEB"

# ---- modules in dependency order -------------------------------------------

# Module names treat '-' and '_' alike; index the files by the '_' spelling.
declare -A KO
while IFS= read -r f; do
  n=${f##*/}
  n=${n%.ko}
  KO[${n//-/_}]=$f
done < <(find "$moddir" -name '*.ko')
[ "${#KO[@]}" -gt 0 ] || die "no .ko files under lib/modules/$kabi (compressed modules?)"

# The .modinfo section is NUL-separated key=value strings.
depends_of() {
  tr '\0' '\n' < "$1" | awk -F= '$1 == "depends" { sub(/^depends=/, ""); print; exit }' | tr ',' ' '
}

declare -A SEEN
ORDER=()
visit() { # DFS post-order: dependencies first
  local m=${1//-/_} d
  [ -z "${SEEN[$m]:-}" ] || return 0
  SEEN[$m]=1
  [ -n "${KO[$m]:-}" ] || die "module $m not found in $KPKG"
  for d in $(depends_of "${KO[$m]}"); do visit "$d"; done
  ORDER+=("$m")
}
for m in "${MODULES[@]}"; do visit "$m"; done

# ---- the initramfs tree ---------------------------------------------------

R="$WORK/root"
mkdir -p "$R"/{bin,sbin,dev,proc,sys,tmp,root,etc/acpi/PWRF,lib/modules,var/log,usr/bin,usr/sbin}
chmod 1777 "$R/tmp"
cp "$BUSYBOX" "$R/bin/busybox"
for app in $("$BUSYBOX" --list-full); do
  [ "$app" = bin/busybox ] || [ -e "$R/$app" ] || ln -s /bin/busybox "$R/$app"
done
loads=""
for m in "${ORDER[@]}"; do
  f=${KO[$m]}
  cp "$f" "$R/lib/modules/"
  loads+=" $(basename "$f" .ko)"
done

cat > "$R/init" <<EOF
#!/bin/sh
export PATH=/bin:/sbin:/usr/bin:/usr/sbin
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev
mkdir -p /dev/pts && mount -t devpts devpts /dev/pts
for m in$loads; do
  insmod /lib/modules/\$m.ko || echo "tsvirt-guest: insmod \$m failed"
done
hostname tsvirt-guest
# busybox acpid runs /etc/acpi/PWRF/00000080 on KEY_POWER (needs button +
# evdev); without -l it logs to /var/log/acpid.log.
acpid -c /etc/acpi -l /var/log/acpid.log
tsvirt-echo-ports &
echo "tsvirt-guest: up in \$(cut -d' ' -f1 /proc/uptime)s"
while true; do
  setsid cttyhack sh -l
done
EOF

cat > "$R/etc/acpi/PWRF/00000080" <<'EOF'
#!/bin/sh
poweroff -f
EOF

# A virtio port allows one open at a time and read() says EOF while the host
# side is not connected: so one fd, read and written, in a loop.
cat > "$R/bin/tsvirt-echo" <<'EOF'
#!/bin/sh
# tsvirt-echo NAME: echo everything that arrives on virtio-serial port NAME.
for n in /sys/class/virtio-ports/*/name; do
  [ "$(cat "$n" 2>/dev/null)" = "$1" ] || continue
  dev=/dev/$(basename "$(dirname "$n")")
  exec 3<>"$dev" || exit 1
  while true; do cat <&3 >&3; sleep 0.2; done
done
echo "tsvirt-echo: no virtio port named '$1'" >&2
exit 1
EOF

cat > "$R/bin/tsvirt-echo-ports" <<'EOF'
#!/bin/sh
# Starts tsvirt-echo on each virtio-serial port named org.tsvirt.echo*.
for n in /sys/class/virtio-ports/*/name; do
  case "$(cat "$n" 2>/dev/null)" in
    org.tsvirt.echo*) tsvirt-echo "$(cat "$n")" & ;;
  esac
done
EOF

cat > "$R/etc/profile" <<'EOF'
export PATH=/bin:/sbin:/usr/bin:/usr/sbin
export PS1='tsvirt# '
# ttyS0 reports no size: a wide line keeps ash from re-drawing long input.
stty cols 1024 rows 50 2>/dev/null
EOF
printf 'root:x:0:0:root:/root:/bin/sh\n' > "$R/etc/passwd"
printf 'root:x:0:\n' > "$R/etc/group"
chmod 755 "$R/init" "$R/etc/acpi/PWRF/00000080" "$R/bin/tsvirt-echo" "$R/bin/tsvirt-echo-ports"

# ---- archive --------------------------------------------------------------

# Fixed times and sorted entries: the same packages give the same archive
# (up to inode numbers, which busybox cpio copies from the build tree).
find "$R" -exec touch -h -d @0 {} +
NEW="$WORK/out"
mkdir "$NEW"
(cd "$R" && find . -mindepth 1 | LC_ALL=C sort | "$BUSYBOX" cpio -o -H newc 2>/dev/null) | gzip -9 -n > "$NEW/initrd.gz"
cp "$vmlinuz" "$NEW/vmlinuz"
{
  echo "kernel_package=$KPKG"
  echo "kernel_version=$KVER"
  echo "kernel_release=$kabi"
  echo "busybox_version=$BVER"
  echo "recipe=$RECIPE"
  echo "modules=${ORDER[*]}"
} > "$NEW/manifest"
chmod 644 "$NEW"/*
chmod 755 "$NEW"

rm -rf "$OUT"
mv "$NEW" "$OUT"
ln -sfn "$key" "$ROOT/latest.tmp" && mv -T "$ROOT/latest.tmp" "$ROOT/latest"
# Guests of older package versions go (a QEMU still running one keeps its
# open files).
find "$ROOT" -mindepth 1 -maxdepth 1 -name 'guest-*' ! -name "$key" -exec rm -rf {} +
end=$(date +%s.%N)
log "built $OUT in $(awk -v a="$start" -v b="$end" 'BEGIN { printf "%.1f", b - a }') s" \
  "(initrd $(stat -c %s "$OUT/initrd.gz") B, $((${#ORDER[@]})) modules)"
echo "$OUT"
