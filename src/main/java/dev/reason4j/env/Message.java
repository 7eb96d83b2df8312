package dev.reason4j.env;

/** One chat message of a prompt: role ({@code system}, {@code user}, {@code assistant}) and content. */
public record Message(String role, String content) {
}
