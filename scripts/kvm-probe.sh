#!/bin/bash
# Succeed when KVM can really run a guest here. /dev/kvm may exist and
# accept ioctls while vCPUs cannot run (no nested virtualisation), so boot
# a 512-byte guest that writes one byte to the serial port, and look for it.
# Under TCG that takes about 0.2 s; a KVM that needs more than 3 s for it
# is of no use to us either.
set -u
[[ -r /dev/kvm && -w /dev/kvm ]] || exit 1
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
# mov dx,0x3f8; mov al,'K'; out dx,al; cli; hlt; jmp $  + boot signature
printf '\xba\xf8\x03\xb0\x4b\xee\xfa\xf4\xeb\xfe' > "$dir/boot"
truncate -s 510 "$dir/boot"
printf '\x55\xaa' >> "$dir/boot"
timeout 5 qemu-system-x86_64 -accel kvm -nodefaults -display none \
	-m 16 -drive file="$dir/boot",format=raw,if=floppy \
	-serial file:"$dir/out" >/dev/null 2>&1 &
pid=$!
for _ in $(seq 30); do
	if grep -q K "$dir/out" 2>/dev/null; then
		kill "$pid" 2>/dev/null
		wait "$pid" 2>/dev/null
		exit 0
	fi
	kill -0 "$pid" 2>/dev/null || break
	sleep 0.1
done
kill "$pid" 2>/dev/null
wait "$pid" 2>/dev/null
exit 1
