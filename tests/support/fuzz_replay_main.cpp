// A stand-in for libFuzzer's driver where there is none (GCC): runs
// LLVMFuzzerTestOneInput over a seed corpus, then over deterministic
// mutations of it (bit flips, odd bytes, truncations, duplicated and deleted
// chunks, dictionary tokens, splices, swapped lines) until a mutation count
// or a time budget runs out. The sequence of inputs depends only on the
// corpus, the dictionary and --seed, so a failure replays with the same
// arguments; the time budget only decides how far along it gets.
//
// Usage: NAME_replay [--seconds=5] [--mutations=100000] [--seed=1]
//            [--dict=FILE] CORPUS_DIR_OR_FILE...
// A directory is read with its subdirectories (a corpus's regressions/).
// A crash or a violated property aborts; otherwise the exit code is 0.
#include <algorithm>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <string_view>
#include <vector>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size);

namespace {

namespace fs = std::filesystem;

constexpr std::size_t kMaxInputBytes = 256 * 1024;

// splitmix64: small, fast and the same everywhere.
class Random {
 public:
  explicit Random(std::uint64_t seed) : m_state(seed) {}

  std::uint64_t next() {
    std::uint64_t z = (m_state += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
  }
  // Returns a number in [0, bound); bound > 0.
  std::size_t below(std::size_t bound) { return static_cast<std::size_t>(next() % bound); }

 private:
  std::uint64_t m_state;
};

void runOne(const std::string& input) {
  LLVMFuzzerTestOneInput(reinterpret_cast<const std::uint8_t*>(input.data()), input.size());
}

std::string readFile(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

// Reads a libFuzzer dictionary: one "token" per line, with \\, \" and \xNN escapes.
std::vector<std::string> readDictionary(const fs::path& path) {
  std::vector<std::string> tokens;
  std::ifstream in(path);
  std::string line;
  while (std::getline(in, line)) {
    const std::size_t open = line.find('"');
    const std::size_t close = line.rfind('"');
    if (line.empty() || line.front() == '#' || open == std::string::npos || close <= open) {
      continue;
    }
    std::string token;
    for (std::size_t index = open + 1; index < close; ++index) {
      if (line[index] == '\\' && index + 1 < close) {
        const char escaped = line[++index];
        if (escaped == 'x' && index + 2 < close) {
          token += static_cast<char>(std::stoi(line.substr(index + 1, 2), nullptr, 16));
          index += 2;
        } else {
          token += escaped;
        }
      } else {
        token += line[index];
      }
    }
    tokens.push_back(token);
  }
  return tokens;
}

class Mutator {
 public:
  Mutator(const std::vector<std::string>& seeds, const std::vector<std::string>& dictionary,
          std::uint64_t seed)
      : m_seeds(seeds), m_dictionary(dictionary), m_random(seed) {}

  std::string next(std::size_t index) {
    std::string input = m_seeds[index % m_seeds.size()];
    const std::size_t rounds = 1 + m_random.below(4);
    for (std::size_t round = 0; round < rounds; ++round) {
      mutate(input);
    }
    if (input.size() > kMaxInputBytes) {
      input.resize(kMaxInputBytes);
    }
    return input;
  }

 private:
  std::size_t position(const std::string& input) { return m_random.below(input.size() + 1); }

  const std::string& token() {
    static const std::string kFallback = ":";
    return m_dictionary.empty() ? kFallback : m_dictionary[m_random.below(m_dictionary.size())];
  }

  void mutate(std::string& input) {
    static constexpr std::string_view kOddBytes = "{}[]:-,'\"&*!#|>%?@`\n\r\t \\0.\x01\x7f\x80\xff";
    switch (m_random.below(10)) {
      case 0:  // Flip one bit.
        if (!input.empty()) {
          input[m_random.below(input.size())] ^= static_cast<char>(1u << m_random.below(8));
        }
        break;
      case 1:  // Put a byte with a meaning in YAML, or none, somewhere.
        if (!input.empty()) {
          input[m_random.below(input.size())] = kOddBytes[m_random.below(kOddBytes.size())];
        }
        break;
      case 2:  // Truncate.
        input.resize(position(input));
        break;
      case 3: {  // Duplicate a chunk.
        const std::size_t from = position(input);
        const std::size_t length = std::min(input.size() - from, 1 + m_random.below(64));
        const std::string chunk = input.substr(from, length);
        input.insert(position(input), chunk);
        break;
      }
      case 4: {  // Delete a chunk.
        const std::size_t from = position(input);
        input.erase(from, 1 + m_random.below(32));
        break;
      }
      case 5:  // Insert a dictionary token.
        input.insert(position(input), token());
        break;
      case 6: {  // Replace a word with a dictionary token.
        const std::size_t from = position(input);
        const std::size_t end = input.find_first_of(" ,:{}[]\n", from);
        input.replace(from, (end == std::string::npos ? input.size() : end) - from, token());
        break;
      }
      case 7: {  // Splice with another seed.
        const std::string& other = m_seeds[m_random.below(m_seeds.size())];
        input = input.substr(0, position(input)) + other.substr(m_random.below(other.size() + 1));
        break;
      }
      case 8: {  // Swap two lines.
        std::vector<std::string> lines;
        std::size_t start = 0;
        while (start <= input.size()) {
          const std::size_t end = input.find('\n', start);
          lines.push_back(
              input.substr(start, end == std::string::npos ? std::string::npos : end - start + 1));
          if (end == std::string::npos) {
            break;
          }
          start = end + 1;
        }
        std::swap(lines[m_random.below(lines.size())], lines[m_random.below(lines.size())]);
        input.clear();
        for (const std::string& line : lines) {
          input += line;
        }
        break;
      }
      default: {  // Repeat a few bytes many times: deep nesting, long words.
        const std::size_t from = position(input);
        const std::string unit = input.substr(from, 1 + m_random.below(3));
        std::string repeated;
        for (std::size_t count = 8 + m_random.below(120); count > 0; --count) {
          repeated += unit;
        }
        input.insert(from, repeated);
        break;
      }
    }
  }

  const std::vector<std::string>& m_seeds;
  const std::vector<std::string>& m_dictionary;
  Random m_random;
};

bool startsWith(std::string_view text, std::string_view prefix, std::string_view* value) {
  if (!text.starts_with(prefix)) {
    return false;
  }
  *value = text.substr(prefix.size());
  return true;
}

}  // namespace

int main(int argc, char** argv) {
  double seconds = 5;
  std::size_t mutations = 100'000;
  std::uint64_t seed = 1;
  std::vector<std::string> dictionary;
  std::vector<fs::path> seed_paths;
  for (int index = 1; index < argc; ++index) {
    const std::string_view argument = argv[index];
    std::string_view value;
    if (startsWith(argument, "--seconds=", &value)) {
      seconds = std::stod(std::string(value));
    } else if (startsWith(argument, "--mutations=", &value)) {
      mutations = std::stoull(std::string(value));
    } else if (startsWith(argument, "--seed=", &value)) {
      seed = std::stoull(std::string(value));
    } else if (startsWith(argument, "--dict=", &value)) {
      dictionary = readDictionary(std::string(value));
    } else if (fs::is_directory(argument)) {
      std::vector<fs::path> files;
      for (const fs::directory_entry& entry : fs::recursive_directory_iterator(argument)) {
        if (entry.is_regular_file() && entry.path().extension() != ".md") {
          files.push_back(entry.path());
        }
      }
      std::sort(files.begin(), files.end());
      seed_paths.insert(seed_paths.end(), files.begin(), files.end());
    } else if (fs::is_regular_file(argument)) {
      seed_paths.emplace_back(argument);
    } else {
      std::fprintf(stderr, "skipping %s: no such file or directory\n", argv[index]);
    }
  }

  std::vector<std::string> seeds;
  for (const fs::path& path : seed_paths) {
    seeds.push_back(readFile(path));
    runOne(seeds.back());
  }
  if (seeds.empty()) {
    std::fprintf(stderr, "no seed inputs given\n");
    return 2;
  }

  const auto start = std::chrono::steady_clock::now();
  const auto budget = std::chrono::duration<double>(seconds);
  Mutator mutator(seeds, dictionary, seed);
  std::size_t done = 0;
  while (done < mutations && std::chrono::steady_clock::now() - start < budget) {
    runOne(mutator.next(done));
    ++done;
  }
  const std::chrono::duration<double> elapsed = std::chrono::steady_clock::now() - start;
  std::printf("replayed %zu seed inputs and %zu mutations in %.1f s\n", seeds.size(), done,
              elapsed.count());
  return 0;
}
