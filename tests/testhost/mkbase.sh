#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
#
# The test host's package-only root filesystem, from Debian packages only:
#   mkbase.sh OUT PACKAGE...
# makes OUT/tree (bookworm with systemd and the given packages, kernels
# included, their initrds generated in the chroot) and OUT/boot/ (each
# kernel's vmlinuz and initrd, for QEMU's -kernel and -initrd).  The
# mirrors are this machine's own apt sources.  Run as root; tests/testhost/
# image.py calls it and keys the result by this file's hash and the
# packages' versions, so any change here rebuilds the base.
#
# mmdebstrap runs this same file as its hooks (MMDEBSTRAP_HOOK set).
set -eu

hook_essential() {	# before the kernels and initramfs-tools are installed
	root=$1
	# A small initrd: only what finds the root disk.  MODULES=most would
	# put every storage driver in, and TCG is slow at unpacking them.
	mkdir -p "$root/etc/initramfs-tools/conf.d"
	printf 'MODULES=list\n' >"$root/etc/initramfs-tools/conf.d/testhost"
	printf '%s\n' virtio_pci virtio_blk ext4 >"$root/etc/initramfs-tools/modules"
	# A guest reboot must come back in the default kernel through QEMU's
	# reset (campaigns rely on it): kexec-tools must not turn reboots into
	# kexecs.
	printf 'kexec-tools kexec-tools/load_kexec boolean false\n' |
		chroot "$root" debconf-set-selections
}

hook_customize() {	# after every package is installed
	root=$1
	# Units that cost boot time under TCG or run jobs in the middle of a
	# measurement.  Masked, not removed, so a person can unmask one.
	# libvirt's own daemons too: migration runs start private ones, and
	# the system's would only probe QEMU at boot.
	for unit in apt-daily.timer apt-daily-upgrade.timer apt-daily.service \
		apt-daily-upgrade.service e2scrub_all.timer e2scrub_all.service \
		e2scrub_reap.service man-db.timer man-db.service fstrim.timer \
		dpkg-db-backup.timer logrotate.timer systemd-timesyncd.service \
		systemd-firstboot.service kexec.service kexec-load.service \
		getty@tty1.service getty-static.service \
		systemd-networkd-wait-online.service \
		libvirtd.service libvirtd.socket libvirtd-ro.socket \
		libvirtd-admin.socket libvirtd-tcp.socket libvirtd-tls.socket \
		virtlogd.service virtlogd.socket virtlogd-admin.socket \
		virtlockd.service virtlockd.socket virtlockd-admin.socket \
		libvirt-guests.service; do
		ln -sf /dev/null "$root/etc/systemd/system/$unit"
	done
	# One virtio NIC on QEMU's user network, its address by DHCP.
	mkdir -p "$root/etc/systemd/network"
	cat >"$root/etc/systemd/network/20-testhost.network" <<-NET
		[Match]
		Name=en* eth*

		[Network]
		DHCP=ipv4
	NET
	chroot "$root" systemctl enable systemd-networkd.service
	# KVM before migbenchd starts: udev loads kvm_amd for the CPU's
	# modalias only when its coldplug gets there, which can be after
	# migbenchd answers (it was, once, after a kexec into 6.12).
	printf 'kvm_amd\n' >"$root/etc/modules-load.d/kvm.conf"
	printf '/dev/vda / ext4 rw,errors=remount-ro 0 0\n' >"$root/etc/fstab"
	# Not this machine's names, which mmdebstrap copied in: QEMU's user
	# network has its own DNS forwarder.
	printf 'migbench-testhost\n' >"$root/etc/hostname"
	printf '127.0.0.1 localhost\n127.0.1.1 migbench-testhost\n::1 localhost\n' >"$root/etc/hosts"
	printf 'nameserver 10.0.2.3\n' >"$root/etc/resolv.conf"
	# the console log then names the kernel of each boot
	printf 'Debian GNU/Linux 12 \\n \\l, Linux \\r\n\n' >"$root/etc/issue"
	# root logs in on the serial console without a password (booted by
	# hand); over the network only migbenchd listens, behind its token.
	chroot "$root" passwd --delete root >/dev/null
}

if [ -n "${MMDEBSTRAP_HOOK:-}" ]; then
	case $MMDEBSTRAP_HOOK in
	essential) hook_essential "$1" ;;
	customize) hook_customize "$1" ;;
	esac
	exit 0
fi

[ $# -ge 2 ] || { echo "usage: mkbase.sh OUT PACKAGE..." >&2; exit 2; }
out=$1
shift
self=$(readlink -f "$0")
include=$(IFS=,; echo "$*")
opts=(--mode=root --format=directory --variant=apt --components=main
      --aptopt='APT::Install-Recommends "false"' --dpkgopt=force-confold
      --dpkgopt='path-exclude=/usr/share/doc/*' --dpkgopt='path-include=/usr/share/doc/*/copyright'
      --dpkgopt='path-exclude=/usr/share/man/*' --dpkgopt='path-exclude=/usr/share/info/*'
      --dpkgopt='path-exclude=/usr/share/locale/*'
      --include="$include" --essential-hook="$self" --customize-hook="$self")
# This machine's apt settings that its mirror needs (a proxy, a snapshot's
# expired Release files), and its apt sources.
for key in Acquire::http::Proxy Acquire::https::Proxy Acquire::Check-Valid-Until Acquire::Check-Date; do
	eval "$(apt-config shell value "$key")"
	[ -n "${value:-}" ] && opts+=(--aptopt="$key \"$value\"")
	value=
done
mirrors=()
for f in /etc/apt/sources.list /etc/apt/sources.list.d/*.list /etc/apt/sources.list.d/*.sources; do
	[ -s "$f" ] && mirrors+=("$f")
done
mkdir -p "$out/boot"
# root mode mounts /proc, /sys and /dev in the chroot: a mount namespace of
# its own keeps those mounts off this machine's.
unshare --mount --propagation private mmdebstrap "${opts[@]}" bookworm "$out/tree" "${mirrors[@]}"
for v in "$out"/tree/boot/vmlinuz-*; do
	release=${v##*/vmlinuz-}
	cp "$v" "$out/boot/"
	cp "$out/tree/boot/initrd.img-$release" "$out/boot/"
done
