#include "simulator/kernel/simulation.h"

#include <utility>

namespace staylab::sim {

namespace {

// A 4-ary heap is shallower than a binary one (fewer cache misses on the way
// down), and entries are 24 bytes, so four children share a cache line or two.
constexpr std::size_t kHeapArity = 4;

#if defined(__SANITIZE_ADDRESS__)
constexpr bool kPoolFrames = false;
#else
constexpr bool kPoolFrames = true;
#endif

// Size classes of 64 bytes up to 1 KiB; larger frames use operator new.
constexpr std::size_t kFrameClassBytes = 64;
constexpr std::size_t kFrameClasses = 16;
constexpr std::size_t kPoolBytesPerClass = std::size_t{4} << 20;

class FramePool {
 public:
  FramePool() = default;
  FramePool(const FramePool&) = delete;
  FramePool& operator=(const FramePool&) = delete;
  ~FramePool() {
    for (std::size_t size_class = 0; size_class < kFrameClasses; ++size_class) {
      while (m_free[size_class] != nullptr) {
        FreeBlock* block = m_free[size_class];
        m_free[size_class] = block->next;
        ::operator delete(block, classBytes(size_class));
      }
    }
  }

  static constexpr std::size_t classOf(std::size_t size) {
    return (size + kFrameClassBytes - 1) / kFrameClassBytes - 1;
  }
  static constexpr std::size_t classBytes(std::size_t size_class) {
    return (size_class + 1) * kFrameClassBytes;
  }

  void* allocate(std::size_t size_class) {
    FreeBlock* block = m_free[size_class];
    if (block == nullptr)
      return ::operator new(classBytes(size_class));
    m_free[size_class] = block->next;
    --m_count[size_class];
    return block;
  }

  void deallocate(void* frame, std::size_t size_class) noexcept {
    if (m_count[size_class] * classBytes(size_class) >= kPoolBytesPerClass) {
      ::operator delete(frame, classBytes(size_class));
      return;
    }
    auto* block = static_cast<FreeBlock*>(frame);
    block->next = m_free[size_class];
    m_free[size_class] = block;
    ++m_count[size_class];
  }

 private:
  struct FreeBlock {
    FreeBlock* next;
  };
  FreeBlock* m_free[kFrameClasses] = {};
  std::size_t m_count[kFrameClasses] = {};
};

thread_local FramePool t_frame_pool;

}  // namespace

namespace detail {

void* allocateFrame(std::size_t size) {
  if (!kPoolFrames || size == 0 || size > kFrameClassBytes * kFrameClasses) {
    return ::operator new(size);
  }
  return t_frame_pool.allocate(FramePool::classOf(size));
}

void deallocateFrame(void* frame, std::size_t size) noexcept {
  if (!kPoolFrames || size == 0 || size > kFrameClassBytes * kFrameClasses) {
    ::operator delete(frame, size);
    return;
  }
  t_frame_pool.deallocate(frame, FramePool::classOf(size));
}

}  // namespace detail

Process& Process::operator=(Process&& other) noexcept {
  if (this != &other) {
    if (m_handle)
      m_handle.destroy();
    m_handle = std::exchange(other.m_handle, nullptr);
  }
  return *this;
}

Process::~Process() {
  // Only a process never spawned still owns its frame here.
  if (m_handle)
    m_handle.destroy();
}

Simulation::Simulation() {
  m_heap.reserve(1024);
  m_ready.reserve(256);
}

Simulation::~Simulation() {
  // Destroying a frame runs the destructors of its locals, which may touch the
  // simulation (an awaiter cancelling its timer, a resource being released),
  // so the queue and timer pool stay valid until every frame is gone.
  while (m_first_process != nullptr) {
    Process::promise_type& promise = *m_first_process;
    unlinkProcess(promise);
    std::coroutine_handle<Process::promise_type>::from_promise(promise).destroy();
  }
}

void Simulation::spawn(Process process) {
  assert(process.m_handle && "spawning an empty Process");
  std::coroutine_handle<Process::promise_type> handle = std::exchange(process.m_handle, nullptr);
  Process::promise_type& promise = handle.promise();
  promise.simulation = this;
  promise.previous = nullptr;
  promise.next = m_first_process;
  if (m_first_process != nullptr)
    m_first_process->previous = &promise;
  m_first_process = &promise;
  ++m_live_processes;
  resumeAt(m_now, handle);
}

void Simulation::unlinkProcess(Process::promise_type& promise) noexcept {
  if (promise.previous != nullptr) {
    promise.previous->next = promise.next;
  } else {
    m_first_process = promise.next;
  }
  if (promise.next != nullptr)
    promise.next->previous = promise.previous;
  promise.previous = nullptr;
  promise.next = nullptr;
  promise.simulation = nullptr;
  --m_live_processes;
}

void Simulation::run() {
  m_stop_requested = false;
  while (!m_stop_requested && hasEvents())
    dispatchNext();
}

void Simulation::runUntil(Nanos time) {
  assert(time >= m_now && "runUntil into the past");
  m_stop_requested = false;
  while (!m_stop_requested && hasEvents() && nextTime() <= time)
    dispatchNext();
  if (!m_stop_requested)
    m_now = time;
}

bool Simulation::step() {
  while (hasEvents()) {
    if (dispatchNext())
      return true;
  }
  return false;
}

TimerHandle Simulation::startTimer(Nanos time, TimerCallback callback, void* context) {
  assert(time >= m_now && "time in the past");
  assert(callback != nullptr);
  TimerNode* node = nullptr;
  if (!m_free_timers.empty()) {
    node = m_free_timers.back();
    m_free_timers.pop_back();
  } else {
    node = &m_timer_nodes.emplace_back();
  }
  node->callback = callback;
  node->context = context;
  node->cancelled = false;
  push(time, EventKind::Timer, node);
  return TimerHandle{node, node->generation};
}

void Simulation::cancelTimer(TimerHandle timer) noexcept {
  auto* node = static_cast<TimerNode*>(timer.node);
  // A stale generation means the node fired (or was cancelled and reached the
  // head of the queue) and may now serve another timer.
  if (node != nullptr && node->generation == timer.generation)
    node->cancelled = true;
}

void Simulation::push(Nanos time, EventKind kind, void* target) {
  const Event event{time, nextSequence(kind), target};
  // Sift up.
  std::size_t index = m_heap.size();
  m_heap.push_back(event);
  Event* heap = m_heap.data();
  while (index > 0) {
    const std::size_t parent = (index - 1) / kHeapArity;
    if (!earlier(event, heap[parent]))
      break;
    heap[index] = heap[parent];
    index = parent;
  }
  heap[index] = event;
}

Simulation::Event Simulation::popTop() noexcept {
  Event* heap = m_heap.data();
  const Event top = heap[0];
  const Event last = m_heap.back();
  m_heap.pop_back();
  const std::size_t size = m_heap.size();
  if (size == 0)
    return top;
  // Sift the former last entry down from the root.
  std::size_t index = 0;
  for (;;) {
    const std::size_t first_child = index * kHeapArity + 1;
    if (first_child >= size)
      break;
    std::size_t best = first_child;
    if (first_child + kHeapArity <= size) {
      // All four children: a tournament of independent comparisons, which
      // the compiler turns into conditional moves.
      const std::size_t left =
          earlier(heap[first_child + 1], heap[first_child]) ? first_child + 1 : first_child;
      const std::size_t right =
          earlier(heap[first_child + 3], heap[first_child + 2]) ? first_child + 3 : first_child + 2;
      best = earlier(heap[right], heap[left]) ? right : left;
    } else {
      for (std::size_t child = first_child + 1; child < size; ++child) {
        if (earlier(heap[child], heap[best]))
          best = child;
      }
    }
    if (!earlier(heap[best], last))
      break;
    heap[index] = heap[best];
    index = best;
  }
  heap[index] = last;
  return top;
}

bool Simulation::dispatchNext() {
  if (m_ready_head < m_ready.size()) {
    const ReadyEntry& ready = m_ready[m_ready_head];
    // A heap entry due now and scheduled earlier goes first.
    if (m_heap.empty() || m_heap.front().time != m_now ||
        m_heap.front().sequence_and_kind > ready.sequence_and_kind) {
      void* const frame = ready.frame;
      if (++m_ready_head == m_ready.size()) {
        m_ready.clear();
        m_ready_head = 0;
      }
      ++m_events_processed;
      std::coroutine_handle<>::from_address(frame).resume();
      return true;
    }
  }
  const Event event = popTop();
  m_now = event.time;
  if ((event.sequence_and_kind & 1U) == static_cast<std::uint64_t>(EventKind::Resume)) {
    ++m_events_processed;
    std::coroutine_handle<>::from_address(event.target).resume();
    return true;
  }
  auto* node = static_cast<TimerNode*>(event.target);
  const bool cancelled = node->cancelled;
  const TimerCallback callback = node->callback;
  void* const context = node->context;
  // Recycle before calling: the callback may start a timer that reuses it.
  ++node->generation;
  m_free_timers.push_back(node);
  if (cancelled)
    return false;
  ++m_events_processed;
  callback(context);
  return true;
}

}  // namespace staylab::sim
