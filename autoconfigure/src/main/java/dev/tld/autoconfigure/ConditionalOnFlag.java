// SPDX-License-Identifier: Apache-2.0
package dev.tld.autoconfigure;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

import org.springframework.context.annotation.Conditional;

/**
 * Matches when a boolean property is {@code true} or missing. Unlike a plain property
 * condition, any value other than {@code true} or {@code false} fails startup with an
 * error that names the property, instead of silently switching the feature off.
 */
@Target({ ElementType.TYPE, ElementType.METHOD })
@Retention(RetentionPolicy.RUNTIME)
@Documented
@Conditional(OnFlagCondition.class)
public @interface ConditionalOnFlag {

	/**
	 * The property.
	 * @return its full name, e.g. {@code tld.enabled}
	 */
	String value();

}
