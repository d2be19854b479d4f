// SPDX-License-Identifier: Apache-2.0
package dev.tld.autoconfigure;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

import org.springframework.context.annotation.Conditional;

/**
 * Matches when this host can run task local data: Linux 6.13+, BTF, libbpf, and the
 * privileges to load BPF programs (see {@link dev.tld.core.KernelSupport}). The reason it
 * does not match is in the conditions report.
 */
@Target({ ElementType.TYPE, ElementType.METHOD })
@Retention(RetentionPolicy.RUNTIME)
@Documented
@Conditional(OnBpfCondition.class)
public @interface ConditionalOnBpf {

}
