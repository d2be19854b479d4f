// SPDX-License-Identifier: Apache-2.0
package dev.tld.test;

import java.nio.file.Path;
import java.util.Optional;

import org.junit.jupiter.api.extension.ConditionEvaluationResult;
import org.junit.jupiter.api.extension.ExecutionCondition;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.platform.commons.support.AnnotationSupport;

import dev.tld.core.KernelSupport;

/**
 * The condition behind {@link EnabledOnBpf}: the kernel probe runs once per JVM.
 */
final class EnabledOnBpfCondition implements ExecutionCondition {

	private static final Path BPFFS = Path.of("/sys/fs/bpf");

	@Override
	public ConditionEvaluationResult evaluateExecutionCondition(ExtensionContext context) {
		Optional<EnabledOnBpf> annotation = AnnotationSupport.findAnnotation(context.getElement(), EnabledOnBpf.class);
		if (annotation.isEmpty()) {
			return ConditionEvaluationResult.enabled("not annotated with @EnabledOnBpf");
		}
		KernelSupport.Report report = Probe.REPORT;
		if (!report.available()) {
			return ConditionEvaluationResult.disabled("BPF task local data unavailable: " + report.reason());
		}
		if (annotation.get().bpffs() && !BpfPins.bpffsWritable()) {
			return ConditionEvaluationResult.disabled("bpffs is not mounted writable at " + BPFFS
					+ " (mount -t bpf bpf " + BPFFS + ", as scripts/install-deps.sh does)");
		}
		return ConditionEvaluationResult.enabled("BPF task local data works on kernel " + report.kernelRelease());
	}

	/** The probe's report, made on first use. */
	private static final class Probe {

		static final KernelSupport.Report REPORT = KernelSupport.probe();

	}

}
