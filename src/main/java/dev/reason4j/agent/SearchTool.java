package dev.reason4j.agent;

import dev.reason4j.config.Options;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.reason4j.io.JsonLinesReader;
import org.apache.lucene.analysis.Analyzer;
import org.apache.lucene.analysis.en.EnglishAnalyzer;
import org.apache.lucene.document.Document;
import org.apache.lucene.document.Field;
import org.apache.lucene.document.StoredField;
import org.apache.lucene.document.TextField;
import org.apache.lucene.index.DirectoryReader;
import org.apache.lucene.index.IndexWriter;
import org.apache.lucene.index.IndexWriterConfig;
import org.apache.lucene.index.StoredFields;
import org.apache.lucene.queryparser.classic.ParseException;
import org.apache.lucene.queryparser.classic.QueryParser;
import org.apache.lucene.search.IndexSearcher;
import org.apache.lucene.search.Query;
import org.apache.lucene.search.ScoreDoc;
import org.apache.lucene.search.similarities.BM25Similarity;
import org.apache.lucene.store.ByteBuffersDirectory;

import java.io.IOException;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.logging.Level;
import java.util.logging.Logger;
import java.util.stream.Stream;

/**
 * The {@code search} tool: BM25 ({@link BM25Similarity}, k1 = 1.2, b = 0.75; Robertson and Zaragoza 2009) over a
 * document collection the user points at, with Apache Lucene: an in-memory index built once when the tool is
 * created, English analysis (Porter stemming, stop words). {@code {"query": …, "k"?: n}} returns the top k passages,
 * each as {@code [rank] title (id)} and the start of its text cut to {@code snippet_chars}. The query is plain text:
 * Lucene's syntax characters are escaped, so {@code a AND (b} cannot fail (the words AND, OR and NOT still combine
 * terms as Lucene's operators).
 *
 * <p>Options: {@code documents} (required: a directory, whose {@code .txt} and {@code .md} files are the documents,
 * id their relative path, title a Markdown file's {@code # } first line or else the file name; or a JSON-lines file
 * of {@code {"text": …, "title"?: …, "id"?: …}}, id defaulting to the line number), {@code k} (default 3),
 * {@code max_k} (the most a call may ask for, default 10), {@code snippet_chars} (default 500). Long documents are
 * best split into passages, one line each. Thread-safe.
 */
public final class SearchTool implements Tool {
    public static final String NAME = "search";
    private static final int MAX_QUERY_CHARS = 1000;
    private static final String BODY = "body";
    /**
     * Lucene logs an INFO line to stderr when it first uses the Vector API (which the project's JVM flags enable);
     * kept quiet, and held here because java.util.logging keeps loggers only weakly.
     */
    private static final Logger LUCENE_VECTORIZATION = Logger.getLogger("org.apache.lucene.internal.vectorization");

    static {
        LUCENE_VECTORIZATION.setLevel(Level.WARNING);
    }

    /** One document: its id, title (may be empty) and text. */
    record Passage(String id, String title, String text) {}

    private final Analyzer analyzer = new EnglishAnalyzer();
    private final IndexSearcher searcher;
    private final int defaultK;
    private final int maxK;
    private final int snippetChars;

    public SearchTool(Map<String, Object> options) {
        Options read = new Options("tool " + NAME, options);
        String documents = read.required("documents",
                "a directory of .txt/.md files, or a JSON-lines file with \"text\" fields");
        maxK = read.integer("max_k", 10, 1, 1000);
        defaultK = read.integer("k", 3, 1, maxK);
        snippetChars = read.integer("snippet_chars", 500, 20, 1_000_000);
        read.finish();
        Path path = Path.of(documents);
        if (!Files.exists(path)) {
            throw read.error("option documents: " + path + " does not exist");
        }
        List<Passage> passages;
        try {
            passages = Files.isDirectory(path) ? readDirectory(path) : readJsonLines(path);
            if (passages.isEmpty()) {
                throw read.error("option documents: no documents in " + path
                        + (Files.isDirectory(path) ? " (no .txt or .md files)" : " (no lines)"));
            }
            searcher = index(passages);
        } catch (IOException e) {
            throw read.error("option documents: cannot read " + path + ": " + e.getMessage());
        }
    }

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public String description() {
        return "Searches the document collection (BM25 keyword ranking) and returns the best-matching passages.";
    }

    @Override
    public Map<String, Object> parameters() {
        return Map.of("type", "object",
                "properties", Map.of(
                        "query", Map.of("type", "string", "description", "keywords to search for"),
                        "k", Map.of("type", "integer", "description", "how many passages (default " + defaultK
                                + ", at most " + maxK + ")")),
                "required", List.of("query"));
    }

    @Override
    public String call(Map<String, Object> arguments) throws ToolException, IOException {
        String query = Tool.string(arguments, "query");
        if (query.isBlank()) {
            throw new ToolException("the query is empty");
        }
        if (query.length() > MAX_QUERY_CHARS) {
            throw new ToolException("the query is longer than " + MAX_QUERY_CHARS + " characters");
        }
        int k = k(arguments.get("k"));
        Query parsed;
        try {
            parsed = new QueryParser(BODY, analyzer).parse(QueryParser.escape(query));
        } catch (ParseException | IndexSearcher.TooManyClauses e) {
            throw new ToolException("cannot read the query: " + e.getMessage().lines().findFirst().orElse(""));
        }
        ScoreDoc[] hits = searcher.search(parsed, k).scoreDocs;
        if (hits.length == 0) {
            return "no results for \"" + query + "\"";
        }
        StoredFields stored = searcher.storedFields();
        StringBuilder out = new StringBuilder();
        for (int rank = 0; rank < hits.length; rank++) {
            Document document = stored.document(hits[rank].doc);
            String title = document.get("title");
            if (rank > 0) {
                out.append("\n\n");
            }
            out.append('[').append(rank + 1).append("] ").append(title.isEmpty() ? "" : title + " ")
                    .append('(').append(document.get("id")).append(")\n")
                    .append(snippet(document.get("text").strip(), snippetChars));
        }
        return out.toString();
    }

    /** The model's {@code k}: absent for the default, else an integer from 1 to {@code max_k}. */
    private int k(Object value) throws ToolException {
        if (value == null) {
            return defaultK;
        }
        boolean integral = value instanceof Integer || value instanceof Long || value instanceof BigInteger
                || (value instanceof Double d && d == Math.rint(d));
        if (!integral || ((Number) value).doubleValue() < 1 || ((Number) value).doubleValue() > maxK) {
            throw new ToolException("argument 'k' must be an integer from 1 to " + maxK + ", got " + value);
        }
        return ((Number) value).intValue();
    }

    /** The start of {@code text}, cut at a space when there is one near the limit, with "…" when cut. */
    static String snippet(String text, int maxChars) {
        if (text.length() <= maxChars) {
            return text;
        }
        int end = maxChars;
        int space = text.lastIndexOf(' ', end);
        if (space > maxChars * 3 / 4) {
            end = space;
        } else if (Character.isHighSurrogate(text.charAt(end - 1))) {
            end--;
        }
        return text.substring(0, end).stripTrailing() + " …";
    }

    private IndexSearcher index(List<Passage> passages) throws IOException {
        ByteBuffersDirectory directory = new ByteBuffersDirectory();
        BM25Similarity bm25 = new BM25Similarity();
        try (IndexWriter writer = new IndexWriter(directory, new IndexWriterConfig(analyzer).setSimilarity(bm25))) {
            for (Passage passage : passages) {
                Document document = new Document();
                document.add(new StoredField("id", passage.id()));
                document.add(new StoredField("title", passage.title()));
                document.add(new StoredField("text", passage.text()));
                // The title is searched with the text.
                document.add(new TextField(BODY, passage.title() + "\n" + passage.text(), Field.Store.NO));
                writer.addDocument(document);
            }
        }
        IndexSearcher searcher = new IndexSearcher(DirectoryReader.open(directory));
        searcher.setSimilarity(bm25);
        return searcher;
    }

    /** The {@code .txt} and {@code .md} files under {@code root}, in path order. */
    static List<Passage> readDirectory(Path root) throws IOException {
        List<Path> files;
        try (Stream<Path> paths = Files.walk(root)) {
            files = paths.filter(Files::isRegularFile).filter(p -> {
                String name = p.getFileName().toString().toLowerCase(Locale.ROOT);
                return name.endsWith(".txt") || name.endsWith(".md");
            }).sorted().toList();
        }
        List<Passage> passages = new ArrayList<>();
        for (Path file : files) {
            String text = Files.readString(file, StandardCharsets.UTF_8);
            String name = file.getFileName().toString();
            String title = name.substring(0, name.lastIndexOf('.'));
            if (name.toLowerCase(Locale.ROOT).endsWith(".md") && text.startsWith("# ")) {
                int end = text.indexOf('\n');
                title = (end < 0 ? text : text.substring(0, end)).substring(2).strip();
                text = end < 0 ? "" : text.substring(end + 1);
            }
            passages.add(new Passage(root.relativize(file).toString().replace('\\', '/'), title, text));
        }
        return passages;
    }

    /** One document per non-blank line: {@code "text"} required, {@code "title"} and {@code "id"} optional. */
    static List<Passage> readJsonLines(Path file) throws IOException {
        List<Passage> passages = new ArrayList<>();
        try (JsonLinesReader reader = JsonLinesReader.open(file)) {
            for (JsonLinesReader.Line line = reader.nextNonBlank(); line != null; line = reader.nextNonBlank()) {
                ObjectNode object = line.object();
                JsonNode text = object.get("text");
                if (text == null || !text.isTextual()) {
                    throw line.error("no \"text\" string");
                }
                JsonNode id = object.get("id");
                JsonNode title = object.get("title");
                passages.add(new Passage(id == null || id.isNull() ? Integer.toString(line.number()) : id.asText(),
                        title == null || title.isNull() ? "" : title.asText(), text.asText()));
            }
        }
        return passages;
    }
}
