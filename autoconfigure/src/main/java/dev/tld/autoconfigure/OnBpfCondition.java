// SPDX-License-Identifier: Apache-2.0
package dev.tld.autoconfigure;

import org.springframework.boot.autoconfigure.condition.ConditionMessage;
import org.springframework.boot.autoconfigure.condition.ConditionOutcome;
import org.springframework.boot.autoconfigure.condition.SpringBootCondition;
import org.springframework.context.annotation.ConditionContext;
import org.springframework.core.type.AnnotatedTypeMetadata;

import dev.tld.core.KernelSupport;

/**
 * The condition behind {@link ConditionalOnBpf}.
 */
class OnBpfCondition extends SpringBootCondition {

	@Override
	public ConditionOutcome getMatchOutcome(ConditionContext context, AnnotatedTypeMetadata metadata) {
		KernelSupport.Report report = KernelSupport.probe();
		ConditionMessage.Builder message = ConditionMessage.forCondition(ConditionalOnBpf.class);
		if (report.available()) {
			return ConditionOutcome.match(message.available("BPF task local data on kernel " + report.kernelRelease()));
		}
		return ConditionOutcome.noMatch(message.because(report.reason()));
	}

}
