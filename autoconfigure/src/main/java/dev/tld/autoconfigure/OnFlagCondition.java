// SPDX-License-Identifier: Apache-2.0
package dev.tld.autoconfigure;

import java.util.Map;

import org.jspecify.annotations.Nullable;

import org.springframework.boot.autoconfigure.condition.ConditionMessage;
import org.springframework.boot.autoconfigure.condition.ConditionOutcome;
import org.springframework.boot.autoconfigure.condition.SpringBootCondition;
import org.springframework.boot.context.properties.source.InvalidConfigurationPropertyValueException;
import org.springframework.context.annotation.ConditionContext;
import org.springframework.core.type.AnnotatedTypeMetadata;
import org.springframework.util.Assert;

/**
 * The condition behind {@link ConditionalOnFlag}.
 */
class OnFlagCondition extends SpringBootCondition {

	@Override
	public ConditionOutcome getMatchOutcome(ConditionContext context, AnnotatedTypeMetadata metadata) {
		Map<String, @Nullable Object> attributes = metadata.getAnnotationAttributes(ConditionalOnFlag.class.getName());
		String name = (attributes != null) ? (String) attributes.get("value") : null;
		Assert.state(name != null, "@ConditionalOnFlag names no property");
		String value = context.getEnvironment().getProperty(name);
		ConditionMessage.Builder message = ConditionMessage.forCondition(ConditionalOnFlag.class, name);
		if (value == null || value.trim().equalsIgnoreCase("true")) {
			return ConditionOutcome.match(message.because((value == null) ? "not set, on by default" : "true"));
		}
		if (value.trim().equalsIgnoreCase("false")) {
			return ConditionOutcome.noMatch(message.because("false"));
		}
		throw new InvalidConfigurationPropertyValueException(name, value, "must be true or false");
	}

}
