// SPDX-License-Identifier: Apache-2.0
package dev.tld.spring;

import org.jspecify.annotations.Nullable;

/**
 * Thrown at startup when fail-fast is set ({@code tld.fail-fast},
 * {@link TaskLocalDataSettings#failFast()}) and task local data cannot reach BPF.
 */
public class TaskLocalDataUnavailableException extends RuntimeException {

	private static final long serialVersionUID = 1L;

	private final String reason;

	/**
	 * Create the exception.
	 * @param reason why BPF cannot be used
	 * @param cause the underlying failure, or null
	 */
	public TaskLocalDataUnavailableException(String reason, @Nullable Throwable cause) {
		super("Task local data cannot be published to BPF: " + reason, cause);
		this.reason = reason;
	}

	/**
	 * Why BPF cannot be used.
	 * @return the reason
	 */
	public String reason() {
		return this.reason;
	}

}
