// SPDX-License-Identifier: Apache-2.0
package dev.tld.bench;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.Set;
import java.util.concurrent.TimeUnit;

import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * BPF links held by processes other than the benchmark's (this JVM and its descendants),
 * as {@code bpftool -j link show} lists them. Another process's tracing programs on
 * {@code sys_enter} or {@code sched_switch} (a demo or a test run of the starter) run on
 * every system call and context switch of every process, the benchmark's included: they
 * slow it down without using CPU of their own.
 */
final class ForeignBpf {

	private static final Path BPFTOOL = Path.of("/usr/sbin/bpftool");

	private ForeignBpf() {
	}

	/**
	 * Count the links of other processes.
	 * @return the count, or -1 if bpftool is missing or fails
	 */
	static int links() {
		if (!Files.isExecutable(BPFTOOL)) {
			return -1;
		}
		Set<Long> own = new HashSet<>();
		own.add(ProcessHandle.current().pid());
		ProcessHandle.current().descendants().forEach((p) -> own.add(p.pid()));
		try {
			Process p = new ProcessBuilder(BPFTOOL.toString(), "-j", "link", "show").redirectErrorStream(false)
				.redirectError(ProcessBuilder.Redirect.DISCARD)
				.start();
			byte[] out = p.getInputStream().readAllBytes();
			if (!p.waitFor(10, TimeUnit.SECONDS) || p.exitValue() != 0) {
				return -1;
			}
			JsonNode links = JsonMapper.shared().readTree(new String(out, StandardCharsets.UTF_8));
			int foreign = 0;
			for (JsonNode link : links) {
				JsonNode pids = link.get("pids");
				boolean ours = false;
				if (pids != null) {
					for (JsonNode pid : pids) {
						ours |= own.contains(pid.get("pid").longValue());
					}
				}
				if (!ours) {
					foreign++;
				}
			}
			return foreign;
		}
		catch (IOException | RuntimeException ex) {
			return -1;
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
			return -1;
		}
	}

}
