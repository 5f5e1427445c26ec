/** Placeholder; see the module's pom for its job. */
package io.jknife.whisper;
