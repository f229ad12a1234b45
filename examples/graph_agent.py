"""A LangGraph agent of your own, run by solvemeter with its model, sandbox tools, budgets and records.

    solvemeter run --pack qa-mini --agent examples.graph_agent:graph --model openai/gpt-4o-mini

    START → think ⇄ act → END

``think`` asks the run's model for the next step with the sandbox's tools bound; ``act`` runs the tool calls it
made. The graph ends when the model answers without a tool call (solvemeter also ends it after ``submit``).
"""

from __future__ import annotations

from langchain_core.messages import AIMessage, ToolMessage
from langchain_core.runnables import RunnableConfig
from langgraph.graph import END, START, MessagesState, StateGraph

from solvemeter.agents.graph import kit_of


async def think(state: MessagesState, config: RunnableConfig) -> MessagesState:
    kit = kit_of(config)
    reply = await kit.model.bind_tools(kit.tools).ainvoke(state["messages"])
    return {"messages": [reply]}


async def act(state: MessagesState, config: RunnableConfig) -> MessagesState:
    kit = kit_of(config)
    calls = state["messages"][-1].tool_calls  # type: ignore[union-attr]
    results = [await kit.tool(call["name"]).ainvoke(call["args"]) for call in calls]
    return {"messages": [ToolMessage(str(r), tool_call_id=c["id"]) for r, c in zip(results, calls, strict=True)]}


def route(state: MessagesState) -> str:
    last = state["messages"][-1]
    return "act" if isinstance(last, AIMessage) and last.tool_calls else END


builder = StateGraph(MessagesState)
builder.add_node("think", think)
builder.add_node("act", act)
builder.add_edge(START, "think")
builder.add_conditional_edges("think", route, ["act", END])
builder.add_edge("act", "think")
graph = builder.compile()
