// SPDX-License-Identifier: Apache-2.0
package dev.tld.core;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import dev.tld.core.internal.Natives;

/**
 * A cheap check, without loading anything into the kernel, of whether this host can run
 * task local data: Linux 6.13+ (UPTR), BTF, libbpf, and the capabilities to load BPF
 * programs. Loading can still fail for reasons only the kernel knows; callers report that
 * separately.
 */
public final class KernelSupport {

	private static final Path BTF = Path.of("/sys/kernel/btf/vmlinux");

	private static final int CAP_SYS_ADMIN = 21;

	private static final int CAP_PERFMON = 38;

	private static final int CAP_BPF = 39;

	private KernelSupport() {
	}

	/**
	 * What the probe found.
	 *
	 * @param available whether everything needed is there
	 * @param reason why not, or {@code null} when available
	 * @param kernelRelease {@code uname -r}
	 * @param btf whether {@code /sys/kernel/btf/vmlinux} is readable
	 * @param libbpf whether libbpf could be loaded
	 * @param privileged whether the process has CAP_BPF and CAP_PERFMON (or
	 * CAP_SYS_ADMIN)
	 */
	public record Report(boolean available, String reason, String kernelRelease, boolean btf, boolean libbpf,
			boolean privileged) {
	}

	/**
	 * Probe this host.
	 * @return the report; never throws
	 */
	public static Report probe() {
		String release = System.getProperty("os.version", "");
		boolean linux = System.getProperty("os.name", "").toLowerCase(java.util.Locale.ROOT).contains("linux");
		boolean btf = Files.isReadable(BTF);
		String libbpfError = null;
		try {
			Natives.get();
		}
		catch (RuntimeException | LinkageError ex) {
			libbpfError = ex.getMessage();
		}
		boolean privileged = privileged();
		String reason = null;
		if (!linux) {
			reason = "not Linux (os.name=" + System.getProperty("os.name") + ")";
		}
		else if (!atLeast(release, 6, 13)) {
			reason = "kernel " + release + " is older than 6.13, which added UPTR to task storage";
		}
		else if (!btf) {
			reason = BTF + " is missing: the kernel needs CONFIG_DEBUG_INFO_BTF=y";
		}
		else if (libbpfError != null) {
			reason = libbpfError;
		}
		else if (!privileged) {
			reason = "the process lacks CAP_BPF and CAP_PERFMON (run as root or grant them)";
		}
		return new Report(reason == null, reason, release, btf, libbpfError == null, privileged);
	}

	static boolean atLeast(String release, int major, int minor) {
		Matcher m = Pattern.compile("^(\\d+)\\.(\\d+)").matcher(release);
		if (!m.find()) {
			return false;
		}
		int ma = Integer.parseInt(m.group(1));
		int mi = Integer.parseInt(m.group(2));
		return ma > major || (ma == major && mi >= minor);
	}

	private static boolean privileged() {
		try {
			for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
				if (line.startsWith("CapEff:")) {
					long caps = Long.parseUnsignedLong(line.substring(7).trim(), 16);
					boolean admin = (caps & (1L << CAP_SYS_ADMIN)) != 0;
					boolean bpf = (caps & (1L << CAP_BPF)) != 0 && (caps & (1L << CAP_PERFMON)) != 0;
					return admin || bpf;
				}
			}
		}
		catch (IOException | RuntimeException ex) {
			return false;
		}
		return false;
	}

}
