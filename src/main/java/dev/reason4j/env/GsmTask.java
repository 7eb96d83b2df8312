package dev.reason4j.env;

import dev.reason4j.config.Options;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;

/**
 * GSM8K-style word problems from templates: a person starts with some items, then a chain of events changes the
 * count (buys more, gives some away, buys boxes of several, doubles, splits into equal piles), and the question asks
 * for the final count. Each arithmetic operation is one line of the worked solution, then {@code \boxed{answer}}:
 * <pre>
 * Mia has 7 shells. She finds 5 more. She buys 3 boxes with 4 shells in each. How many shells does Mia have now?
 * 7+5=12
 * 3*4=12
 * 12+12=24
 * \boxed{24}
 * </pre>
 * Options: {@code min_steps} / {@code max_steps} (operations per problem, default 2 / 3), {@code max_number}
 * (largest number in the text, default 20), {@code think}. Every intermediate count is a non-negative integer.
 * The canonical key is the arithmetic alone (names, items and wording vary within a split, never across).
 * The verifier compares the last {@code \boxed{}} to the answer as an exact integer.
 */
public final class GsmTask implements Task {
    public static final String NAME = "gsm";

    private record Person(String name, String he, String him, String his) {
    }

    private static final List<Person> PEOPLE = List.of(
            new Person("Tom", "he", "him", "his"), new Person("Ann", "she", "her", "her"),
            new Person("Sam", "he", "him", "his"), new Person("Mia", "she", "her", "her"),
            new Person("Ben", "he", "him", "his"), new Person("Eva", "she", "her", "her"),
            new Person("Leo", "he", "him", "his"), new Person("Zoe", "she", "her", "her"),
            new Person("Max", "he", "him", "his"), new Person("Ivy", "she", "her", "her"));
    private static final List<String> ITEMS = List.of("apples", "pencils", "stickers", "marbles", "books", "coins",
            "cards", "eggs", "shells", "stamps", "cookies", "balloons");

    private final int minSteps;
    private final int maxSteps;
    private final int maxNumber;
    private final boolean think;

    public GsmTask(Map<String, Object> options) {
        Options read = new Options("task " + NAME, options);
        minSteps = read.integer("min_steps", 2, 1, 20);
        maxSteps = read.integer("max_steps", 3, minSteps, 20);
        maxNumber = read.integer("max_number", 20, 5, 1_000_000);
        think = read.bool("think", false);
        read.finish();
    }

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public Problem generate(Random random) {
        Person person = PEOPLE.get(random.nextInt(PEOPLE.size()));
        Person friend;
        do {
            friend = PEOPLE.get(random.nextInt(PEOPLE.size()));
        } while (friend == person);
        String items = ITEMS.get(random.nextInt(ITEMS.size()));
        String he = capitalize(person.he());
        int steps = minSteps + random.nextInt(maxSteps - minSteps + 1);

        long count = 2 + random.nextInt(maxNumber - 1);
        long start = count;
        StringBuilder text = new StringBuilder(person.name() + " has " + count + " " + items + ".");
        List<String> lines = new ArrayList<>();
        while (lines.size() < steps) {
            boolean twoSteps = steps - lines.size() >= 2;
            int event = random.nextInt(twoSteps ? 6 : 4);
            switch (event) {
                case 0 -> {  // add
                    long b = 1 + random.nextInt(maxNumber);
                    text.append(switch (random.nextInt(3)) {
                        case 0 -> " " + he + " buys " + b + " more.";
                        case 1 -> " " + he + " finds " + b + " more.";
                        default -> " " + friend.name() + " gives " + person.him() + " " + b + " more.";
                    });
                    count = line(lines, count, '+', b);
                }
                case 1 -> {  // subtract
                    if (count < 2) {
                        continue;
                    }
                    long b = 1 + random.nextInt((int) Math.min(maxNumber, count - 1));
                    text.append(switch (random.nextInt(3)) {
                        case 0 -> " " + he + " gives " + b + " to " + friend.name() + ".";
                        case 1 -> " " + he + " loses " + b + ".";
                        default -> " " + he + " uses " + b + ".";
                    });
                    count = line(lines, count, '-', b);
                }
                case 2 -> {  // scale
                    int factor = 2 + random.nextInt(2);
                    text.append(" Then ").append(person.he()).append(factor == 2 ? " doubles " : " triples ")
                            .append(person.his()).append(' ').append(items).append('.');
                    count = line(lines, count, '*', factor);
                }
                case 3 -> {  // share
                    List<Integer> divisors = new ArrayList<>();
                    for (int k = 2; k <= 5; k++) {
                        if (count >= k && count % k == 0) {
                            divisors.add(k);
                        }
                    }
                    if (divisors.isEmpty()) {
                        continue;
                    }
                    int k = divisors.get(random.nextInt(divisors.size()));
                    text.append(' ').append(he).append(" splits ").append(person.his()).append(' ').append(items)
                            .append(" into ").append(k).append(" equal piles and keeps one pile.");
                    count = line(lines, count, '/', k);
                }
                case 4 -> {  // buy boxes: two operations
                    long boxes = 2 + random.nextInt(Math.min(8, maxNumber - 1));
                    long each = 2 + random.nextInt(maxNumber - 1);
                    text.append(' ').append(he).append(" buys ").append(boxes).append(" boxes with ").append(each)
                            .append(' ').append(items).append(" in each.");
                    long total = line(lines, boxes, '*', each);
                    count = line(lines, count, '+', total);
                }
                default -> {  // give to each of several friends: two operations
                    long friends = 2 + random.nextInt(Math.min(8, maxNumber - 1));
                    if (count / friends < 1) {
                        continue;
                    }
                    long each = 1 + random.nextInt((int) Math.min(maxNumber, count / friends));
                    text.append(' ').append(he).append(" gives ").append(each).append(' ').append(items)
                            .append(" to each of ").append(friends).append(" friends.");
                    long total = line(lines, friends, '*', each);
                    count = line(lines, count, '-', total);
                }
            }
        }
        text.append(" How many ").append(items).append(" does ").append(person.name()).append(" have now?");
        String answer = Long.toString(count);
        String key = start + ":" + String.join(";", lines);
        return new Problem(NAME, key, text.toString(), answer, answer, Answers.workedSolution(lines, answer, think));
    }

    @Override
    public double verify(String response, String groundTruth) {
        return Answers.verifyInteger(NAME, response, groundTruth);
    }

    /** Appends {@code a op b=c} and returns c. */
    private static long line(List<String> lines, long a, char op, long b) {
        long result = switch (op) {
            case '+' -> a + b;
            case '-' -> a - b;
            case '*' -> a * b;
            default -> a / b;
        };
        lines.add(a + String.valueOf(op) + b + "=" + result);
        return result;
    }

    private static String capitalize(String word) {
        return Character.toUpperCase(word.charAt(0)) + word.substring(1);
    }
}
