// SPDX-License-Identifier: Apache-2.0
package dev.tld.autoconfigure;

import org.springframework.boot.diagnostics.AbstractFailureAnalyzer;
import org.springframework.boot.diagnostics.FailureAnalysis;

import dev.tld.spring.TaskLocalDataUnavailableException;

/**
 * Explains a startup refused because of {@code tld.fail-fast}.
 */
class TaskLocalDataFailureAnalyzer extends AbstractFailureAnalyzer<TaskLocalDataUnavailableException> {

	@Override
	protected FailureAnalysis analyze(Throwable rootFailure, TaskLocalDataUnavailableException cause) {
		return new FailureAnalysis("Task local data cannot be published to BPF: " + cause.reason(),
				"Run on Linux 6.13+ with BTF, libbpf1 installed, as root or with CAP_BPF and CAP_PERFMON, "
						+ "and bpffs mounted at /sys/fs/bpf; or set tld.fail-fast=false to start without it.",
				cause);
	}

}
